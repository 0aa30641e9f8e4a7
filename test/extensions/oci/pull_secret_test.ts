import assert from "node:assert/strict";
import { pullSecretName, readPullSecret } from "../../../gateway/extensions/oci/pull_secret.ts";

const DOCKER_CONFIG = JSON.stringify({ auths: { "reg.io": { auth: btoa("a:b") } } });

async function credentialsDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

Deno.test("pull secret: a Secret manifest (data or stringData), a docker config, or a mounted Secret folder", async () => {
  const dir = await credentialsDir({
    "istio-system/yaml": `apiVersion: v1
kind: Secret
metadata: {name: yaml, namespace: istio-system}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ${btoa(DOCKER_CONFIG)}
`,
    "istio-system/json": JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/dockerconfigjson",
      stringData: { ".dockerconfigjson": DOCKER_CONFIG },
    }),
    "istio-system/raw": DOCKER_CONFIG,
    "istio-system/mounted/.dockerconfigjson": DOCKER_CONFIG,
  });
  for (const name of ["yaml", "json", "raw", "mounted"]) {
    assert.deepEqual(
      JSON.parse(await readPullSecret(dir, "istio-system", name)),
      JSON.parse(DOCKER_CONFIG),
      name,
    );
  }
});

Deno.test("pull secret: the plugin's namespace is used, whatever namespace the name carries", async () => {
  const dir = await credentialsDir({ "apps/regcred": DOCKER_CONFIG });
  assert.equal(pullSecretName("kubernetes://other/regcred"), "regcred");
  assert.equal(await readPullSecret(dir, "apps", "other/regcred"), DOCKER_CONFIG);
  await assert.rejects(
    () => readPullSecret(dir, "other", "regcred"),
    /missing image pulling secret other\/regcred/,
  );
  assert.throws(() => pullSecretName("a/b/c"), /malformed image pull secret name "a\/b\/c"/);
  assert.throws(() => pullSecretName(".."), /malformed/);
});

Deno.test("pull secret: no folder, a wrong Secret type or a missing key are fetch errors", async () => {
  const dir = await credentialsDir({
    "ns/opaque": "apiVersion: v1\nkind: Secret\ntype: Opaque\ndata: {}\n",
    "ns/empty": "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata: {}\n",
    "ns/other": "just: yaml\n",
  });
  await assert.rejects(
    () => readPullSecret(undefined, "ns", "x"),
    /no credentials folder \(--wasm-credentials DIR\)/,
  );
  await assert.rejects(() => readPullSecret(dir, "ns", "opaque"), /is not kubernetes.io\/dockerconfigjson/);
  await assert.rejects(
    () => readPullSecret(dir, "ns", "empty"),
    /cannot find docker config at secret ns\/empty/,
  );
  await assert.rejects(() => readPullSecret(dir, "ns", "other"), /neither a Secret nor a docker config/);
});
