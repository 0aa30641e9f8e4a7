import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import { GatewayTelemetry, type RequestRecord } from "../../gateway/telemetry/mod.ts";
import { errorsOf, loadYaml } from "../helpers/config.ts";
import { noRoute, productpage, reviewsConnectFailure } from "./_records.ts";

const IDENTITY = {
  labels: { app: "istio-ingressgateway", istio: "ingressgateway" },
  namespace: "istio-system",
};

function config(yaml: string) {
  const loaded = loadYaml(yaml);
  assert.deepEqual(errorsOf(loaded), []);
  return loaded.config;
}

function meshWith(text: string) {
  return parseMeshConfig("mesh.yaml", text).mesh;
}

Deno.test("gateway telemetry: Telemetry filter and file provider, metrics in the registry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const mesh = meshWith(`extensionProviders:
- name: errors
  envoyFileAccessLog:
    path: ${dir}/errors.log
    logFormat: {text: "%RESPONSE_CODE% %RESPONSE_FLAGS% %REQ(:PATH)%"}
`);
    const telemetryYaml = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: exceptions, namespace: istio-system}
spec:
  accessLogging:
  - providers: [{name: errors}]
    filter: {expression: "response.code >= 400"}
  metrics:
  - overrides:
    - match: {metric: REQUEST_COUNT}
      tagOverrides: {request_host: {value: request.host}}
`;
    const registry = new Registry();
    const telemetry = new GatewayTelemetry({ registry, identity: IDENTITY, hostname: "test" });
    const settings = telemetry.update(config(telemetryYaml), mesh);
    assert.deepEqual(settings.sources, ["istio-system/exceptions"]);
    assert.deepEqual(settings.warnings, []);

    telemetry.record(productpage());
    telemetry.record(reviewsConnectFailure());
    telemetry.record(noRoute());
    await telemetry.close();
    assert.equal(await Deno.readTextFile(`${dir}/errors.log`), "503 UF,URX /reviews/0\n404 NR /nope\n");

    const text = await registry.metrics();
    const requests = text.split("\n").filter((l) => l.startsWith("istio_requests_total{"));
    assert.equal(requests.length, 3);
    assert.ok(requests.every((l) => l.includes('request_host="bookinfo.example.com"')));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gateway telemetry: config changes reconfigure logs and close unused files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const registry = new Registry();
    const telemetry = new GatewayTelemetry({
      registry,
      identity: IDENTITY,
      hostname: "test",
      writer: { flushIntervalMs: 60_000 },
    });
    // Before any update: metrics only.
    telemetry.record(productpage());
    const empty = config("");
    telemetry.update(empty, meshWith(`accessLogFile: ${dir}/a.log\naccessLogFormat: "A %RESPONSE_CODE%"`));
    telemetry.record(productpage());
    telemetry.update(
      empty,
      meshWith(
        `accessLogFile: ${dir}/b.log\naccessLogEncoding: JSON\naccessLogFormat: '{"code":"%RESPONSE_CODE%"}'`,
      ),
    );
    telemetry.record(noRoute());
    await telemetry.flush();
    assert.equal(await Deno.readTextFile(`${dir}/a.log`), "A 200\n");
    assert.equal(await Deno.readTextFile(`${dir}/b.log`), '{"code":404}\n');
    telemetry.update(empty, meshWith(""));
    telemetry.record(noRoute());
    await telemetry.close();
    assert.equal(await Deno.readTextFile(`${dir}/b.log`), '{"code":404}\n');
    const count = (await registry.metrics()).split("\n").filter((l) => l.startsWith("istio_requests_total{"));
    assert.equal(count.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gateway telemetry: unsupported filters are warned about and log nothing; bad records never throw", async () => {
  const lines: string[] = [];
  const telemetry = new GatewayTelemetry({
    registry: new Registry(),
    identity: IDENTITY,
    hostname: "test",
    openSink: () =>
      Promise.resolve({
        write: (b) => {
          lines.push(new TextDecoder().decode(b));
          return Promise.resolve(b.length);
        },
        close: () => {},
      }),
  });
  const yaml = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: mesh, namespace: istio-system}
spec:
  accessLogging:
  - providers: [{name: envoy}]
    filter: {expression: "request.headers.exists(h, h == 'x')"}
`;
  const settings = telemetry.update(config(yaml), meshWith(""));
  assert.equal(settings.warnings.length, 1);
  assert.match(settings.warnings[0], /access log filter .* is not supported/);
  telemetry.record(productpage());

  const original = console.error;
  console.error = () => {};
  try {
    telemetry.record({ ...productpage(), requestHeaders: undefined } as unknown as RequestRecord);
  } finally {
    console.error = original;
  }
  assert.equal(telemetry.errors, 1);
  await telemetry.close();
  assert.deepEqual(lines, []);
});
