import assert from "node:assert/strict";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { fetchText, freePort, startUpstream } from "../helpers/net.ts";
import { jwksOf, signToken, testKey } from "../security/jwt/helpers.ts";

const ISS = "https://auth.example.com";

Deno.test("RequestAuthentication: jwksUri keys, no token passes, claims route, bad token 401, token not forwarded", async () => {
  const key = await testKey("RS256", "k1");
  const stranger = await testKey("RS256", "k1");
  const jwks = startUpstream(
    "jwks",
    () => new Response(jwksOf(key), { headers: { "content-type": "application/json" } }),
  );
  const v1 = startUpstream("v1");
  const admin = startUpstream("admin");
  const port = freePort();
  const config = gatewayWithRoutes(
    port,
    `  - match: [{headers: {"@request.auth.claims.groups": {exact: admin}}}]
    route: [{destination: {host: admin}}]
  - route: [{destination: {host: v1}}]`,
  ) + staticService("v1", [v1.port]) + staticService("admin", [admin.port]) +
    `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: "${ISS}"
    jwksUri: "http://127.0.0.1:${jwks.port}/jwks.json"
    outputPayloadToHeader: x-jwt-payload
`;
  const gw = await serveConfig(config);
  const base = `http://127.0.0.1:${port}`;
  const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  try {
    const anonymous = await fetchText(`${base}/`);
    assert.deepEqual([anonymous.status, anonymous.body], [200, "v1"], "no token: allowed");

    const user = await signToken(key, { iss: ISS, sub: "bob", groups: ["dev"] });
    const ok = await fetchText(`${base}/`, auth(user));
    assert.deepEqual([ok.status, ok.body], [200, "v1"]);
    const seen = v1.requests.at(-1)!.headers;
    assert.equal(seen.get("authorization"), null, "the token is not forwarded by default");
    assert.equal(seen.get("x-jwt-payload"), user.split(".")[1], "outputPayloadToHeader");

    const adminToken = await signToken(key, { iss: ISS, sub: "ann", groups: ["admin", "dev"] });
    assert.equal((await fetchText(`${base}/`, auth(adminToken))).body, "admin", "claims select the route");
    assert.equal(jwks.requests.length, 1, "the JWKS is fetched once and kept");

    const forged = await signToken(stranger, { iss: ISS, sub: "eve", groups: ["admin"] });
    const bad = await fetchText(`${base}/x?y=1`, auth(forged));
    assert.deepEqual([bad.status, bad.body], [401, "Jwt verification fails"]);
    assert.equal(
      bad.headers.get("www-authenticate"),
      `Bearer realm="http://127.0.0.1:${port}/x?y=1", error="invalid_token"`,
    );
    assert.equal(bad.headers.get("server"), "istio-envoy");

    const wrongIssuer = await signToken(key, { iss: "https://elsewhere" });
    const unknown = await fetchText(`${base}/`, auth(wrongIssuer));
    assert.deepEqual([unknown.status, unknown.body], [401, "Jwt issuer is not configured"]);
    const expired = await signToken(key, { iss: ISS, exp: Math.floor(Date.now() / 1000) - 3600 });
    const old = await fetchText(`${base}/?access_token=${expired}`);
    assert.deepEqual(
      [old.status, old.body],
      [401, "Jwt is expired"],
      "the access_token parameter is read too",
    );
  } finally {
    await gw.close();
    await Promise.all([jwks.close(), v1.close(), admin.close()]);
  }
});
