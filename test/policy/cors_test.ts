import assert from "node:assert/strict";
import type { CorsPolicy } from "../../gateway/config/kinds/networking/virtual_service.ts";
import { compileCors, corsRuntime } from "../../gateway/policy/cors.ts";

function preflightReq(origin: string | null, method = "GET", extra: Record<string, string> = {}) {
  const headers = new Headers(extra);
  if (origin !== null) headers.set("origin", origin);
  if (method !== "") headers.set("access-control-request-method", method);
  return { method: "OPTIONS", headers };
}

/** The response headers as a plain object, for exact comparisons. */
function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers.entries());
}

/** The istio.io VirtualService reference example (ratings-route). */
const ISTIO_IO_EXAMPLE: CorsPolicy = {
  allowOrigins: [{ exact: "https://example.com" }],
  allowMethods: ["POST", "GET"],
  allowCredentials: false,
  allowHeaders: ["X-Foo-Bar"],
  maxAge: "24h",
};

Deno.test("cors: istio.io example answers a matching preflight at the gateway", async () => {
  const cors = compileCors(ISTIO_IO_EXAMPLE);
  const res = cors.preflight(preflightReq("https://example.com", "POST"))!;
  assert.equal(res.status, 200);
  assert.deepEqual(headersOf(res), {
    "access-control-allow-origin": "https://example.com",
    "access-control-allow-methods": "POST,GET",
    "access-control-allow-headers": "X-Foo-Bar",
    "access-control-max-age": "86400",
    server: "istio-envoy",
  });
  assert.equal(await res.text(), "");
});

Deno.test("cors: istio.io example forwards an unmatched preflight (FORWARD is the default)", () => {
  const cors = compileCors(ISTIO_IO_EXAMPLE);
  assert.equal(cors.preflight(preflightReq("https://evil.com")), undefined);
  assert.equal(cors.preflight(preflightReq("https://example.com.evil.com")), undefined);
  assert.equal(cors.preflight(preflightReq("HTTPS://EXAMPLE.COM")), undefined); // exact is case-sensitive
});

Deno.test("cors: istio.io example decorates actual responses for the allowed origin only", () => {
  const cors = compileCors(ISTIO_IO_EXAMPLE);
  const ok = new Headers({ "content-type": "text/plain" });
  cors.decorate("https://example.com", ok);
  assert.equal(ok.get("access-control-allow-origin"), "https://example.com");
  assert.equal(ok.get("access-control-allow-credentials"), null); // allowCredentials: false
  assert.equal(ok.get("access-control-expose-headers"), null);
  assert.equal(ok.get("access-control-allow-methods"), null); // preflight-only headers
  const other = new Headers({ "access-control-allow-origin": "*" });
  cors.decorate("https://evil.com", other);
  assert.equal(other.get("access-control-allow-origin"), "*"); // unmatched: the upstream's headers stay
  const none = new Headers();
  cors.decorate(null, none);
  cors.decorate("", none);
  assert.deepEqual([...none.keys()], []);
});

Deno.test("cors: only OPTIONS with Origin and Access-Control-Request-Method is a preflight", () => {
  const cors = compileCors({ allowOrigins: [{ exact: "https://a.com" }] });
  assert.equal(
    cors.preflight({ method: "GET", headers: new Headers({ origin: "https://a.com" }) }),
    undefined,
  );
  assert.equal(cors.preflight(preflightReq(null)), undefined);
  assert.equal(cors.preflight(preflightReq("")), undefined);
  assert.equal(cors.preflight(preflightReq("https://a.com", "")), undefined);
  assert.ok(cors.preflight(preflightReq("https://a.com", "DELETE")));
});

Deno.test("cors: unmatchedPreflights IGNORE answers without allow-origin (other headers stay, as Envoy)", () => {
  const cors = compileCors({
    ...ISTIO_IO_EXAMPLE,
    allowCredentials: true,
    exposeHeaders: ["X-Exposed"],
    unmatchedPreflights: "IGNORE",
  });
  const res = cors.preflight(preflightReq("https://evil.com"))!;
  assert.equal(res.status, 200);
  assert.deepEqual(headersOf(res), {
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "POST,GET",
    "access-control-allow-headers": "X-Foo-Bar",
    "access-control-max-age": "86400",
    server: "istio-envoy",
  });
  // FORWARD and UNSPECIFIED both forward.
  for (const mode of ["FORWARD", "UNSPECIFIED", undefined] as const) {
    const c = compileCors({ ...ISTIO_IO_EXAMPLE, unmatchedPreflights: mode });
    assert.equal(c.preflight(preflightReq("https://evil.com")), undefined);
  }
});

Deno.test("cors: allowOrigins exact, prefix and RE2 regex (full match)", () => {
  const cors = compileCors({
    allowOrigins: [
      { exact: "https://exact.com" },
      { prefix: "https://pre" },
      { regex: "https://.*\\.example\\.org" },
    ],
  });
  assert.equal(cors.allows("https://exact.com"), true);
  assert.equal(cors.allows("https://exact.com:8443"), false);
  assert.equal(cors.allows("https://prefix.net"), true);
  assert.equal(cors.allows("http://prefix.net"), false);
  assert.equal(cors.allows("https://a.example.org"), true);
  assert.equal(cors.allows("https://a.example.org.evil.com"), false); // regex is anchored
  assert.equal(cors.allows("xhttps://a.example.org"), false);
});

Deno.test("cors: a matcher that matches the literal `*` allows every origin and echoes it", () => {
  for (
    const policy of [{ allowOrigin: ["*"] }, { allowOrigins: [{ exact: "*" }] }, {
      allowOrigins: [{ regex: ".*" }],
    }] as CorsPolicy[]
  ) {
    const cors = compileCors(policy);
    assert.equal(cors.allows("https://anything.io"), true);
    const res = cors.preflight(preflightReq("https://anything.io"))!;
    assert.equal(res.headers.get("access-control-allow-origin"), "https://anything.io");
  }
});

Deno.test("cors: deprecated allowOrigin is an exact list, ignored when allowOrigins is set", () => {
  const legacy = compileCors({ allowOrigin: ["https://a.com", "https://b.com"] });
  assert.equal(legacy.allows("https://b.com"), true);
  assert.equal(legacy.allows("https://b.co"), false);
  const both = compileCors({ allowOrigin: ["https://a.com"], allowOrigins: [{ exact: "https://c.com" }] });
  assert.equal(both.allows("https://a.com"), false);
  assert.equal(both.allows("https://c.com"), true);
  assert.equal(compileCors({}).allows("https://a.com"), false);
  assert.equal(compileCors({ allowOrigins: [{}] }).allows("https://a.com"), false);
});

Deno.test("cors: allowMethods/allowHeaders `*` echo the request's values", () => {
  const cors = compileCors({ allowOrigins: [{ prefix: "" }], allowMethods: ["*"], allowHeaders: ["*"] });
  const res = cors.preflight(
    preflightReq("https://x.io", "PATCH", { "access-control-request-headers": "x-a,x-b" }),
  )!;
  assert.equal(res.headers.get("access-control-allow-methods"), "PATCH");
  assert.equal(res.headers.get("access-control-allow-headers"), "x-a,x-b");
  const noMethods = compileCors({ allowOrigins: [{ prefix: "" }] }).preflight(preflightReq("https://x.io"))!;
  assert.equal(noMethods.headers.get("access-control-allow-methods"), null);
  assert.equal(noMethods.headers.get("access-control-allow-headers"), null);
  assert.equal(noMethods.headers.get("access-control-max-age"), null);
});

Deno.test("cors: maxAge is whole seconds", () => {
  const age = (maxAge: string) =>
    compileCors({ allowOrigins: [{ prefix: "" }], maxAge }).preflight(preflightReq("o"))!.headers.get(
      "access-control-max-age",
    );
  assert.equal(age("24h"), "86400");
  assert.equal(age("1.5s"), "1");
  assert.equal(age("500ms"), "0");
  assert.equal(age("1m30s"), "90");
});

Deno.test("cors: allowCredentials and exposeHeaders on preflights and actual responses", () => {
  const cors = compileCors({
    allowOrigins: [{ exact: "https://app.io" }],
    allowCredentials: true,
    exposeHeaders: ["X-Total", "X-Page"],
    allowMethods: ["GET"],
  });
  const pre = cors.preflight(preflightReq("https://app.io"))!;
  assert.deepEqual(headersOf(pre), {
    "access-control-allow-origin": "https://app.io",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET",
    "access-control-expose-headers": "X-Total,X-Page",
    server: "istio-envoy",
  });
  const h = new Headers({
    "access-control-allow-origin": "https://upstream.io",
    "access-control-allow-credentials": "false",
  });
  cors.decorate("https://app.io", h);
  assert.equal(h.get("access-control-allow-origin"), "https://app.io");
  assert.equal(h.get("access-control-allow-credentials"), "true");
  assert.equal(h.get("access-control-expose-headers"), "X-Total,X-Page");
  const off = compileCors({ allowOrigins: [{ exact: "https://app.io" }], allowCredentials: false });
  const h2 = new Headers();
  off.decorate("https://app.io", h2);
  assert.equal(h2.get("access-control-allow-credentials"), null);
});

Deno.test("cors: Vary is left alone as Envoy does; varyOrigin opts in", () => {
  const policy: CorsPolicy = { allowOrigins: [{ exact: "https://a.io" }] };
  const h = new Headers({ vary: "Accept-Encoding" });
  compileCors(policy).decorate("https://a.io", h);
  assert.equal(h.get("vary"), "Accept-Encoding");
  const withVary = compileCors(policy, { varyOrigin: true });
  const h2 = new Headers({ vary: "Accept-Encoding" });
  withVary.decorate("https://a.io", h2);
  assert.equal(h2.get("vary"), "Accept-Encoding, Origin");
  withVary.decorate("https://a.io", h2);
  assert.equal(h2.get("vary"), "Accept-Encoding, Origin");
  const h3 = new Headers();
  withVary.decorate("https://a.io", h3);
  assert.equal(h3.get("vary"), "Origin");
  const h4 = new Headers();
  withVary.decorate("https://b.io", h4);
  assert.equal(h4.get("vary"), null);
});

Deno.test("cors: corsRuntime caches per policy object", () => {
  assert.equal(corsRuntime(ISTIO_IO_EXAMPLE), corsRuntime(ISTIO_IO_EXAMPLE));
  assert.notEqual(corsRuntime(ISTIO_IO_EXAMPLE), corsRuntime({ ...ISTIO_IO_EXAMPLE }));
});
