import assert from "node:assert/strict";
import { sha256Hex } from "../../../gateway/extensions/module_cache.ts";
import { OCI_MANIFEST } from "../../../gateway/extensions/oci/media_types.ts";
import { parseImageReference } from "../../../gateway/extensions/oci/reference.ts";
import { RegistryClient } from "../../../gateway/extensions/oci/registry_client.ts";
import type { RegistryCredentials } from "../../../gateway/extensions/oci/docker_config.ts";
import { startUpstream, type TestUpstream } from "../../helpers/net.ts";

const BLOB = new TextEncoder().encode("blob content");
const MANIFEST = new TextEncoder().encode(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }),
);

/** A session against `server` for repository `repo`, logging to `lines`. */
function session(
  server: TestUpstream,
  options: { credentials?: RegistryCredentials; insecure?: string[]; lines?: string[] } = {},
) {
  const client = new RegistryClient({
    insecureRegistries: options.insecure,
    log: (line) => options.lines?.push(line),
  });
  const ref = parseImageReference(`127.0.0.1:${server.port}/repo:v1`);
  return client.session(ref, options.credentials, AbortSignal.timeout(5000));
}

Deno.test("registry client: a registry speaking plain HTTP is asked again over http; insecure hosts at once", async () => {
  const server = startUpstream(
    "registry",
    () => new Response(MANIFEST, { headers: { "content-type": OCI_MANIFEST } }),
  );
  try {
    const lines: string[] = [];
    const fetched = await session(server, { lines }).manifest("v1", false);
    assert.equal(fetched.digest, await sha256Hex(MANIFEST));
    assert.equal(fetched.contentType, OCI_MANIFEST);
    assert.match(lines.join("\n"), /answered in plain HTTP; fetching from it over http/);
    const quiet: string[] = [];
    await session(server, { lines: quiet, insecure: [`127.0.0.1:${server.port}`] }).manifest("v1", false);
    await session(server, { lines: quiet, insecure: ["*"] }).manifest("v1", false);
    assert.deepEqual(quiet, []);
    assert.equal(server.requests[0].headers.get("accept")?.includes(OCI_MANIFEST), true);
  } finally {
    await server.close();
  }
});

Deno.test("registry client: manifest digests are checked against the reference and Docker-Content-Digest", async () => {
  const server = startUpstream("registry", (req) =>
    new Response(MANIFEST, {
      headers: new URL(req.url).pathname.endsWith("lying")
        ? { "docker-content-digest": `sha256:${"1".repeat(64)}` }
        : {},
    }));
  try {
    const s = session(server, { insecure: ["*"] });
    await assert.rejects(() => s.manifest("0".repeat(64), true), /does not match the requested sha256:0000/);
    await assert.rejects(() => s.manifest("lying", false), /the registry claims sha256:1111/);
  } finally {
    await server.close();
  }
});

Deno.test("registry client: blobs are checked for size and digest; registry errors keep their code", async () => {
  const server = startUpstream("registry", (req) => {
    if (new URL(req.url).pathname.includes("manifests")) {
      return Response.json({ errors: [{ code: "NAME_UNKNOWN", message: "repository name not known" }] }, {
        status: 404,
      });
    }
    return new Response(BLOB);
  });
  try {
    const s = session(server, { insecure: ["*"] });
    const digest = await sha256Hex(BLOB);
    assert.deepEqual(await s.blob({ mediaType: "x", digest, size: BLOB.length }), BLOB);
    await assert.rejects(
      () => s.blob({ mediaType: "x", digest: "2".repeat(64), size: BLOB.length }),
      /expected sha256:2222/,
    );
    await assert.rejects(() => s.blob({ mediaType: "x", digest, size: 3 }), /larger than 3 bytes/);
    await assert.rejects(() => s.blob({ mediaType: "x", digest, size: 100 }), /has 12 bytes, expected 100/);
    await assert.rejects(
      () => s.manifest("v1", false),
      /manifest repo:v1: HTTP 404: NAME_UNKNOWN repository name not known/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("registry client: Basic auth on challenge; credentials are not sent along a redirect to another origin", async () => {
  const storage = startUpstream("storage", () => new Response(BLOB));
  const registry = startUpstream("registry", (req) => {
    if (req.headers.get("authorization") !== `Basic ${btoa("u:p")}`) {
      return new Response("", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="Registry Realm"' },
      });
    }
    return new Response(null, {
      status: 307,
      headers: { location: `http://127.0.0.1:${storage.port}/b?sig=1` },
    });
  });
  try {
    const s = session(registry, {
      insecure: ["*"],
      credentials: { kind: "basic", username: "u", password: "p" },
    });
    const digest = await sha256Hex(BLOB);
    assert.deepEqual(await s.blob({ mediaType: "x", digest, size: BLOB.length }), BLOB);
    assert.equal(registry.requests.length, 2);
    assert.equal(storage.requests[0].path, "/b?sig=1");
    assert.equal(storage.requests[0].headers.get("authorization"), null);
    const anonymous = session(registry, { insecure: ["*"] });
    await assert.rejects(
      () => anonymous.manifest("v1", false),
      /requires a user and password.*imagePullSecret/,
    );
    const wrong = session(registry, {
      insecure: ["*"],
      credentials: { kind: "basic", username: "u", password: "x" },
    });
    await assert.rejects(
      () => wrong.manifest("v1", false),
      /refused the image pull secret's credentials.*HTTP 401/,
    );
  } finally {
    await registry.close();
    await storage.close();
  }
});

Deno.test("registry client: a registry token is sent from the start; unknown challenges are errors", async () => {
  const server = startUpstream("registry", (req) => {
    if (req.headers.get("authorization") === "Bearer preset") return new Response(MANIFEST);
    return new Response("", { status: 401, headers: { "www-authenticate": 'Negotiate realm="x"' } });
  });
  try {
    const s = session(server, { insecure: ["*"], credentials: { kind: "registryToken", token: "preset" } });
    assert.equal((await s.manifest("v1", false)).bytes.length, MANIFEST.length);
    assert.equal(server.requests.length, 1);
    await assert.rejects(
      () => session(server, { insecure: ["*"] }).manifest("v1", false),
      /answered HTTP 401 with an unsupported challenge "Negotiate realm=\\"x\\""/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("registry client: link-local and cloud metadata addresses are never contacted, redirects included", async () => {
  const client = new RegistryClient({ insecureRegistries: ["*"] });
  const signal = AbortSignal.timeout(5000);
  const metadata = client.session(parseImageReference("169.254.169.254/repo:v1"), undefined, signal);
  await assert.rejects(
    () => metadata.manifest("v1", false),
    /connection blocked: 169.254.169.254 is a link-local/,
  );
  const server = startUpstream(
    "registry",
    () =>
      new Response(null, {
        status: 302,
        headers: { location: "http://metadata.google.internal/computeMetadata" },
      }),
  );
  try {
    await assert.rejects(
      () => session(server, { insecure: ["*"] }).manifest("v1", false),
      /connection blocked: metadata.google.internal is a metadata address/,
    );
  } finally {
    await server.close();
  }
});
