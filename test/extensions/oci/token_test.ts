import assert from "node:assert/strict";
import { addressClass } from "../../../gateway/extensions/oci/address_class.ts";
import { checkRealm, fetchToken } from "../../../gateway/extensions/oci/token.ts";
import { startUpstream } from "../../helpers/net.ts";

Deno.test("address class: loopback, private, link-local, cloud metadata, public", () => {
  const cases: [string, string][] = [
    ["localhost", "loopback"],
    ["127.9.9.9", "loopback"],
    ["[::1]", "loopback"],
    ["10.1.2.3", "private"],
    ["172.20.0.1", "private"],
    ["192.168.1.1", "private"],
    ["fd12::1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["::ffff:169.254.1.1", "link-local"],
    ["metadata.google.internal", "metadata"],
    ["100.100.100.200", "metadata"],
    ["172.32.0.1", "public"],
    ["ghcr.io", "public"],
  ];
  for (const [host, cls] of cases) assert.equal(addressClass(host), cls, host);
});

Deno.test("token realm: http(s) only, never link-local or metadata, private only for a private registry", () => {
  assert.equal(checkRealm("https://auth.docker.io/token", "registry-1.docker.io").host, "auth.docker.io");
  assert.equal(checkRealm("http://127.0.0.1:9/token", "127.0.0.1:5000").port, "9");
  assert.equal(checkRealm("http://10.0.0.5/token", "10.0.0.4:5000").hostname, "10.0.0.5");
  assert.throws(() => checkRealm(undefined, "r.io"), /has no realm/);
  assert.throws(() => checkRealm("file:///etc/passwd", "r.io"), /scheme file: not allowed/);
  assert.throws(() => checkRealm("Registry Realm", "r.io"), /invalid realm URL/);
  assert.throws(() => checkRealm("http://169.254.169.254/latest", "127.0.0.1:5000"), /link-local/);
  assert.throws(() => checkRealm("http://metadata.google.internal/x", "r.io"), /metadata/);
  assert.throws(() => checkRealm("http://127.0.0.1:8080/token", "ghcr.io"), /public registry may not send/);
  assert.throws(() => checkRealm("http://localhost/token", "ghcr.io"), /loopback/);
});

Deno.test("token: GET with service, scopes and Basic credentials; token or access_token", async () => {
  const seen: { url: URL; auth: string | null }[] = [];
  const server = startUpstream("token", (req) => {
    seen.push({ url: new URL(req.url), auth: req.headers.get("authorization") });
    return Response.json(seen.length === 1 ? { token: "t1" } : { access_token: "t2" });
  });
  try {
    const base = {
      registry: "127.0.0.1:5000",
      repository: "filters/x",
      signal: AbortSignal.timeout(5000),
    };
    const params = {
      realm: `http://127.0.0.1:${server.port}/token`,
      service: "reg",
      scope: "a:b:pull c:d:pull",
    };
    const token = await fetchToken({
      ...base,
      params,
      credentials: { kind: "basic", username: "u", password: "p" },
    });
    assert.equal(token, "t1");
    assert.equal(seen[0].url.searchParams.get("service"), "reg");
    assert.deepEqual(seen[0].url.searchParams.getAll("scope"), ["a:b:pull", "c:d:pull"]);
    assert.equal(seen[0].auth, `Basic ${btoa("u:p")}`);
    assert.equal(await fetchToken({ ...base, params: { realm: params.realm } }), "t2");
    assert.deepEqual(seen[1].url.searchParams.getAll("scope"), ["repository:filters/x:pull"]);
    assert.equal(seen[1].auth, null);
  } finally {
    await server.close();
  }
});

Deno.test("token: an identity token is exchanged with an OAuth2 refresh_token POST", async () => {
  let form: URLSearchParams | undefined;
  const server = startUpstream("token", async (req) => {
    form = new URLSearchParams(await req.text());
    return Response.json({ access_token: "from-refresh" });
  });
  try {
    const token = await fetchToken({
      params: { realm: `http://127.0.0.1:${server.port}/oauth2/token`, service: "reg" },
      registry: "127.0.0.1:1",
      repository: "r",
      credentials: { kind: "identityToken", username: "<token>", token: "refresh-me" },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(token, "from-refresh");
    assert.equal(server.requests[0].method, "POST");
    assert.deepEqual(Object.fromEntries(form!), {
      grant_type: "refresh_token",
      refresh_token: "refresh-me",
      service: "reg",
      client_id: "portcullis",
      scope: "repository:r:pull",
    });
  } finally {
    await server.close();
  }
});

Deno.test("token: refusals and answers without a token are fetch errors", async () => {
  const server = startUpstream("token", (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/denied") return new Response("no", { status: 401 });
    if (path === "/html") return new Response("<html>");
    return Response.json({ token: "" });
  });
  const request = (path: string) =>
    fetchToken({
      params: { realm: `http://127.0.0.1:${server.port}${path}` },
      registry: "127.0.0.1:1",
      repository: "r",
      signal: AbortSignal.timeout(5000),
    });
  try {
    await assert.rejects(
      () => request("/denied"),
      /token request to http:\/\/127.0.0.1:\d+\/denied failed: HTTP 401 \(anonymous\)/,
    );
    await assert.rejects(() => request("/html"), /is not JSON/);
    await assert.rejects(() => request("/empty"), /holds no token/);
  } finally {
    await server.close();
  }
});
