import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { fetchText, freePort, startUpstream } from "../helpers/net.ts";
import { jwksOf, signRaw, signToken, testKey } from "../security/jwt/helpers.ts";

Deno.test("RequestAuthentication: OpenID discovery, space-delimited scope routing, token parameter removed, hostile tokens", async () => {
  const key = await testKey("RS256", "k1");
  const idp = startUpstream("idp", (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/.well-known/openid-configuration") {
      return Response.json({
        issuer: `http://127.0.0.1:${idp.port}`,
        jwks_uri: `http://127.0.0.1:${idp.port}/keys`,
      });
    }
    return path === "/keys" ? new Response(jwksOf(key)) : new Response("no", { status: 404 });
  });
  const iss = `http://127.0.0.1:${idp.port}`;
  const v1 = startUpstream("v1");
  const writer = startUpstream("writer");
  const port = freePort();
  const config = gatewayWithRoutes(
    port,
    `  - match: [{headers: {"@request.auth.claims.scope": {exact: write}}}]
    route: [{destination: {host: writer}}]
  - route: [{destination: {host: v1}}]`,
  ) + staticService("v1", [v1.port]) + staticService("writer", [writer.port]) +
    `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  jwtRules:
  - issuer: "${iss}"
`;
  const gw = await serveConfig(config);
  const base = `http://127.0.0.1:${port}`;
  try {
    const token = await signToken(key, { iss, sub: "ann", scope: "read write" });
    const res = await fetchText(`${base}/items?a=1&access_token=${token}&b=2`);
    assert.deepEqual(
      [res.status, res.body],
      [200, "writer"],
      "keys found by discovery; scope split on spaces",
    );
    assert.equal(writer.requests.at(-1)?.path, "/items?a=1&b=2", "the token parameter is not forwarded");
    assert.deepEqual(
      idp.requests.map((r) => r.path),
      ["/.well-known/openid-configuration", "/keys"],
    );

    const reader = await signToken(key, { iss, sub: "bob", scope: "read" });
    assert.equal((await fetchText(`${base}/items?access_token=${reader}`)).body, "v1");

    const header = JSON.stringify({ alg: "RS256", kid: "k1" });
    const twoSubs = await signRaw(key, header, `{"iss":"${iss}","sub":"bob","sub":"admin"}`);
    const dup = await fetchText(`${base}/`, { headers: { authorization: `Bearer ${twoSubs}` } });
    assert.deepEqual([dup.status, dup.body], [401, "Jwt payload is an invalid JSON"]);

    const unsigned = `${token.split(".").slice(0, 2).join(".")}.`;
    const none = await fetchText(`${base}/`, { headers: { authorization: `Bearer ${unsigned}` } });
    assert.deepEqual(
      [none.status, none.body],
      [401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"],
    );

    // Beyond ~64 KiB of headers Deno.serve answers 400 itself (Envoy: 431 above its 60 KiB limit).
    const huge = await fetchText(`${base}/`, { headers: { authorization: `Bearer ${"a".repeat(70_000)}` } });
    assert.equal(huge.status, 400);
    assert.equal((await fetchText(`${base}/`)).status, 200, "the gateway keeps serving");
  } finally {
    await gw.close();
    await Promise.all([idp.close(), v1.close(), writer.close()]);
  }
});
