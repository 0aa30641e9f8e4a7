/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF Distribution 2.8) on 127.0.0.1 with a temp
 * config and filesystem storage, optionally with htpasswd (Basic) or token (Bearer) authentication.
 * @module
 */
import { freePort } from "./net.ts";

const CANDIDATES = ["/usr/bin/docker-registry", "/usr/local/bin/registry", "/usr/bin/registry"];

/** The registry binary, or undefined when it is not installed (`apt-get install docker-registry`). */
export const REGISTRY_BINARY: string | undefined = CANDIDATES.find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** Why registry tests are skipped, when they are. */
export const REGISTRY_MISSING = REGISTRY_BINARY
  ? undefined
  : `docker-registry not installed (apt-get install docker-registry): skipping OCI registry tests`;

/** How the registry authenticates pulls and pushes. */
export type RegistryAuth =
  | { readonly kind: "htpasswd"; readonly file: string }
  | {
    readonly kind: "token";
    readonly realm: string;
    readonly service: string;
    readonly issuer: string;
    readonly rootCertBundle: string;
  };

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Its storage folder (reused by a registry started on it again). */
  readonly storage: string;
  /** Stops the process. */
  stop(): Promise<void>;
}

function authConfig(auth: RegistryAuth | undefined): string {
  if (!auth) return "";
  if (auth.kind === "htpasswd") return `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${auth.file}\n`;
  return `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n` +
    `    rootcertbundle: ${auth.rootCertBundle}\n`;
}

/** Starts a registry on a free port; resolves once it answers `/v2/`. */
export async function startRegistry(
  options: { auth?: RegistryAuth; storage?: string } = {},
): Promise<TestRegistry> {
  if (!REGISTRY_BINARY) throw new Error(REGISTRY_MISSING);
  const dir = await Deno.makeTempDir({ prefix: "registry-" });
  const storage = options.storage ?? `${dir}/storage`;
  const port = freePort();
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: portcullis-test
${authConfig(options.auth)}`;
  await Deno.writeTextFile(`${dir}/config.yml`, config);
  const child = new Deno.Command(REGISTRY_BINARY, {
    args: ["serve", `${dir}/config.yml`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr = (stderr + chunk).slice(-8192);
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await drained;
  };
  const deadline = Date.now() + 10_000;
  while (true) {
    if (exited) throw new Error(`docker-registry exited at start:\n${stderr}`);
    const ok = await fetch(`${url}/v2/`).then(async (r) => {
      await r.body?.cancel();
      return r.status === 200 || r.status === 401;
    }, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url} within 10 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, url, storage, stop };
}
