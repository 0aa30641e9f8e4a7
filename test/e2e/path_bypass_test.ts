/**
 * The path-based bypass vectors of istio-semantics §3.3 sent as raw bytes (no client normalizes them) to a real
 * gateway in each `pathNormalization` mode. A VirtualService routes prefix `/admin` to an "admin" upstream and
 * everything else to a "public" one; the upstreams report the request target they received, which must be the
 * path routing saw. Then the same with istio-semantics §3.3's policy `DENY paths: ["/admin", "/admin/*"]`,
 * which must deny exactly the vectors whose normalized path is `/admin` or under `/admin/`.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_MESH_CONFIG,
  type MeshConfig,
  type PathNormalization,
} from "../../gateway/config/mesh/mod.ts";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "../helpers/gateway.ts";
import { freePort, startUpstream, type TestUpstream } from "../helpers/net.ts";

const MODES: readonly PathNormalization[] = ["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"];

/** `upstream target` as the upstream received it, or a status the gateway (or Deno.serve) answered itself. */
type Outcome = string | number;

/** Request target → outcome per mode (NONE, BASE, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES). */
const VECTORS: readonly (readonly [string, Outcome, Outcome, Outcome, Outcome])[] = [
  ["/admin", "admin /admin", "admin /admin", "admin /admin", "admin /admin"],
  ["//admin", "public //admin", "public //admin", "admin /admin", "admin /admin"],
  ["///admin", "public ///admin", "public ///admin", "admin /admin", "admin /admin"],
  ["/./admin", "public /./admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/public/../admin", "public /public/../admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/admin/.", "admin /admin/.", "admin /admin/", "admin /admin/", "admin /admin/"],
  ["/%2e/admin", "public /%2e/admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/%2E%2E/admin", "public /%2E%2E/admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/public/%2e%2e/admin", "public /public/%2e%2e/admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/%61dmin", "public /%61dmin", "admin /admin", "admin /admin", "admin /admin"],
  ["/ADMIN", "public /ADMIN", "public /ADMIN", "public /ADMIN", "public /ADMIN"],
  ["/admin%2F", "admin /admin%2F", "admin /admin%2F", "admin /admin%2F", "admin /admin/"],
  ["/%2Fadmin", "public /%2Fadmin", "public /%2Fadmin", "public /%2Fadmin", "admin /admin"],
  [
    "/public%2F..%2Fadmin",
    "public /public%2F..%2Fadmin",
    "public /public%2F..%2Fadmin",
    "public /public%2F..%2Fadmin",
    "admin /admin",
  ],
  ["/public\\..\\admin", "public /public\\..\\admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/%5Cadmin", "public /%5Cadmin", "public /%5Cadmin", "public /%5Cadmin", "admin /admin"],
  ["/admin#x", "admin /admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/public#/../admin", "public /public", "public /public", "public /public", "public /public"],
  ["/admin%23x", "admin /admin%23x", "admin /admin%23x", "admin /admin%23x", "admin /admin%23x"],
  ["/admin?x=1", "admin /admin?x=1", "admin /admin?x=1", "admin /admin?x=1", "admin /admin?x=1"],
  [
    "/public?x=/../admin",
    "public /public?x=/../admin",
    "public /public?x=/../admin",
    "public /public?x=/../admin",
    "public /public?x=/../admin",
  ],
  [
    "/admin;jsessionid=1",
    "admin /admin;jsessionid=1",
    "admin /admin;jsessionid=1",
    "admin /admin;jsessionid=1",
    "admin /admin;jsessionid=1",
  ],
  ["/public/..;x/admin", "public /public/..;x/admin", "admin /admin", "admin /admin", "admin /admin"],
  ["/admin%00", "admin /admin%00", 400, 400, 400],
  ["/%252Fadmin", "public /%252Fadmin", "public /%252Fadmin", "public /%252Fadmin", "public /%252Fadmin"],
  ["/%c0%af", "public /%c0%af", "public /%c0%af", "public /%c0%af", "public /%c0%af"],
  ['/adm"in', 'public /adm"in', "public /adm%22in", "public /adm%22in", "public /adm%22in"],
  // Absolute-form: the target's path (and authority) count, not the Host line.
  ["http://h.example/admin", "admin /admin", "admin /admin", "admin /admin", "admin /admin"],
  [
    "http://h.example/public/../admin",
    "public /public/../admin",
    "admin /admin",
    "admin /admin",
    "admin /admin",
  ],
  // Deno.serve refuses these before the gateway sees them (Envoy: 404 for `\admin` and `*`, 400 for the others).
  ["\\admin", 400, 400, 400, 400],
  ["*", 400, 400, 400, 400],
  ["/adm in", 400, 400, 400, 400],
  ["/adm\tin", 400, 400, 400, 400],
];

const ENCODER = new TextEncoder();

/** Sends `GET <target>` as raw bytes and reads the response head until the server closes. */
async function rawGet(port: number, target: string): Promise<{ status: number; headers: Headers }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    await conn.write(
      ENCODER.encode(`GET ${target} HTTP/1.1\r\nHost: h.example\r\nConnection: close\r\n\r\n`),
    );
    const text = await new Response(conn.readable).text();
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    const [statusLine, ...lines] = head.split("\r\n");
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    return { status: Number(statusLine.split(" ")[1]), headers };
  } finally {
    clearTimeout(timer);
  }
}

/** What a response says about the request: `upstream target`, or the status of a local reply. */
async function outcome(port: number, target: string): Promise<Outcome> {
  const res = await rawGet(port, target);
  const upstream = res.headers.get("x-upstream");
  return upstream === null ? res.status : `${upstream} ${res.headers.get("x-target")}`;
}

/** An upstream answering with its name and the raw request target it received. */
function echoUpstream(name: string): TestUpstream {
  return startUpstream(name, (req) => {
    const target = req.url.slice(req.url.indexOf("/", req.url.indexOf("//") + 2));
    return new Response(null, { headers: { "x-upstream": name, "x-target": target } });
  });
}

function routingConfig(port: number, admin: number, pub: number, extra = ""): string {
  return gatewayWithRoutes(
    port,
    `  - match: [{uri: {prefix: /admin}}]
    route: [{destination: {host: admin}}]
  - route: [{destination: {host: public}}]`,
  ) + staticService("admin", [admin]) + staticService("public", [pub]) + extra;
}

async function withGateways(
  extra: string,
  run: (ports: ReadonlyMap<PathNormalization, number>) => Promise<void>,
): Promise<void> {
  const admin = echoUpstream("admin");
  const pub = echoUpstream("public");
  const gateways: TestGateway[] = [];
  const ports = new Map<PathNormalization, number>();
  try {
    for (const mode of MODES) {
      const port = freePort();
      const mesh: MeshConfig = { ...DEFAULT_MESH_CONFIG, pathNormalization: { normalization: mode } };
      gateways.push(await serveConfig(routingConfig(port, admin.port, pub.port, extra), { mesh }));
      ports.set(mode, port);
    }
    await run(ports);
  } finally {
    await Promise.all(gateways.map((gw) => gw.close()));
    await Promise.all([admin.close(), pub.close()]);
  }
}

Deno.test("path bypass vectors: routing and the upstream see the same normalized path, per mode", async () => {
  await withGateways("", async (ports) => {
    for (const [target, ...expected] of VECTORS) {
      for (const [i, mode] of MODES.entries()) {
        assert.equal(
          await outcome(ports.get(mode)!, target),
          expected[i],
          `${JSON.stringify(target)} in ${mode}`,
        );
      }
    }
  });
});

const DENY_ADMIN = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/admin", "/admin/*"]}}]
---
`;

/** What the DENY policy makes of a routing outcome: 403 when the path the upstream would get is denied. */
function underDeny(routed: Outcome): Outcome {
  if (typeof routed === "number") return routed;
  const path = routed.slice(routed.indexOf(" ") + 1).split("?")[0];
  return path === "/admin" || path.startsWith("/admin/") ? 403 : routed;
}

Deno.test("path bypass vectors: DENY paths [/admin, /admin/*] sees the normalized path, per mode", async () => {
  await withGateways(DENY_ADMIN, async (ports) => {
    for (const [target, ...routed] of VECTORS) {
      for (const [i, mode] of MODES.entries()) {
        assert.equal(
          await outcome(ports.get(mode)!, target),
          underDeny(routed[i]),
          `${JSON.stringify(target)} in ${mode}`,
        );
      }
    }
    const denied = await rawGet(ports.get("BASE")!, "/public/../admin");
    assert.equal(denied.headers.get("server"), "istio-envoy");
    const rejected = await rawGet(ports.get("BASE")!, "/admin%00");
    assert.equal(rejected.headers.get("server"), "istio-envoy", "the 400 is the gateway's, not Deno's");
  });
});

Deno.test("an absolute-form https:// target on a plaintext listener is still forwarded as http", async () => {
  const up = startUpstream("app", (req) =>
    new Response(null, {
      headers: { "x-upstream": "app", "x-forwarded-proto-seen": req.headers.get("x-forwarded-proto") ?? "" },
    }));
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, "  - route: [{destination: {host: app}}]") + staticService("app", [up.port]),
  );
  try {
    const res = await rawGet(port, "https://h.example/x");
    assert.equal(res.headers.get("x-upstream"), "app");
    assert.equal(res.headers.get("x-forwarded-proto-seen"), "http");
  } finally {
    await gw.close();
    await up.close();
  }
});
