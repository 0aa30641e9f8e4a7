import assert from "node:assert/strict";
import { credentialsFor } from "../../../gateway/extensions/oci/docker_config.ts";

const config = (auths: Record<string, unknown>) => JSON.stringify({ auths });

Deno.test("docker config: the auths entry of the registry, by exact key or by host of a URL key", () => {
  const auths = {
    "reg.example.com": { auth: btoa("alice:pa:ss") },
    "https://other.example.com:5000/v1/": { username: "bob", password: "pw" },
  };
  assert.deepEqual(credentialsFor(config(auths), "reg.example.com"), {
    kind: "basic",
    username: "alice",
    password: "pa:ss",
  });
  assert.deepEqual(credentialsFor(config(auths), "other.example.com:5000"), {
    kind: "basic",
    username: "bob",
    password: "pw",
  });
  assert.equal(credentialsFor(config(auths), "third.example.com"), undefined);
});

Deno.test("docker config: Docker Hub's https://index.docker.io/v1/ key serves index.docker.io", () => {
  const auths = { "https://index.docker.io/v1/": { auth: btoa("hub:token") } };
  assert.deepEqual(credentialsFor(config(auths), "index.docker.io"), {
    kind: "basic",
    username: "hub",
    password: "token",
  });
});

Deno.test("docker config: registry and identity tokens; an empty entry means anonymous", () => {
  assert.deepEqual(credentialsFor(config({ r: { registrytoken: "rt" } }), "r"), {
    kind: "registryToken",
    token: "rt",
  });
  assert.deepEqual(credentialsFor(config({ r: { auth: btoa("<token>:"), identitytoken: "refresh" } }), "r"), {
    kind: "identityToken",
    username: "<token>",
    token: "refresh",
  });
  assert.equal(credentialsFor(config({ r: {} }), "r"), undefined);
});

Deno.test("docker config: broken JSON, a missing auths map and bad auth values are errors", () => {
  assert.throws(() => credentialsFor("{", "r"), /invalid docker config in the image pull secret/);
  assert.throws(() => credentialsFor("{}", "r"), /no `auths` map/);
  assert.throws(() => credentialsFor(config({ r: { auth: "%%%" } }), "r"), /not base64/);
  assert.throws(() => credentialsFor(config({ r: { auth: btoa("nocolon") } }), "r"), /not user:password/);
});
