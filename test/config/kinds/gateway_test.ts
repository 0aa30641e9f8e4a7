import assert from "node:assert/strict";
import { gatewayKind } from "../../../gateway/config/kinds/networking/gateway.ts";
import { errorsOf, loadYaml } from "../../helpers/config.ts";
import { resourceHeader, testResource } from "../../helpers/kind_cases.ts";

const header = resourceHeader(testResource(gatewayKind, "gw", "istio-system"));

Deno.test("Gateway: a valid HTTP server loads", () => {
  const r = loadYaml(
    header + `spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, name: http, protocol: HTTP}
    hosts: ["*"]
`,
  );
  assert.deepEqual(errorsOf(r), []);
  assert.equal(r.config.gateways.length, 1);
  assert.equal(r.config.gateways[0].spec.servers?.[0].port.number, 8080);
});

Deno.test("Gateway: errors name file, line, column, resource and field", () => {
  const r = loadYaml(
    header + `spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: []
  - port: {number: 443, name: http, protocol: HTTPS}
    hosts: ["a.example.com"]
    tls: {mode: PASSTHROUGH}
`,
  );
  const errors = errorsOf(r);
  assert.ok(
    errors.includes(
      "test.yaml:9:12: error: Gateway istio-system/gw: spec.servers[0].hosts: server config must contain at least one host",
    ),
    errors.join("\n"),
  );
  assert.ok(errors.some((e) => e.includes("port names in servers must be unique: duplicate name http")));
  assert.equal(r.config.gateways.length, 0);
});

Deno.test("Gateway: an unknown field is reported at its key", () => {
  const errors = errorsOf(loadYaml(
    header + `spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["a.example.com"]
    bogus: 1
`,
  ));
  assert.deepEqual(errors, [
    'test.yaml:10:5: error: Gateway istio-system/gw: spec.servers[0].bogus: unknown field "bogus"',
  ]);
});

Deno.test("Gateway: webhook rules", async (t) => {
  const cases: [string, string][] = [
    ["servers: []", "gateway must have at least one server"],
    [
      "servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [a.com]",
      "server must have TLS settings for HTTPS/TLS protocols",
    ],
    [
      "servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [a.com]\n    tls: {mode: SIMPLE}",
      "server cannot have TLS settings for plain text HTTP ports",
    ],
    [
      "servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [a.com]\n    tls: {mode: SIMPLE}",
      "SIMPLE requires a server certificate",
    ],
    [
      "servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [a.com]\n    tls: {mode: ISTIO_MUTUAL, credentialName: x}",
      "ISTIO_MUTUAL TLS cannot have associated credentialName",
    ],
    [
      "servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ['*/*', 'a.com']",
      "`*/*` host select all resources, no other hosts can be added",
    ],
    [
      "servers:\n  - port: {number: 70000, name: http, protocol: HTTP}\n    hosts: [a.com]",
      "port number 70000 must be in the range 1..65535",
    ],
    [
      "servers:\n  - port: {number: 80, name: http, protocol: FOO}\n    hosts: [a.com]",
      'invalid protocol "FOO"',
    ],
    [
      "servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ['a.*.com']",
      "wildcard only allowed as the left-most label",
    ],
  ];
  for (const [spec, expected] of cases) {
    await t.step(expected, () => {
      const errors = errorsOf(loadYaml(header + "spec:\n  " + spec + "\n"));
      assert.ok(errors.some((e) => e.includes(expected)), `expected "${expected}" in:\n${errors.join("\n")}`);
    });
  }
});
