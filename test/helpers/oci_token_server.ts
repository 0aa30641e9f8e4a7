/**
 * A Docker token service for a test registry with token authentication: it checks Basic credentials (or lets
 * anonymous clients have pull access when allowed) and issues RS256 JWTs whose `x5c` header carries a
 * self-signed certificate the registry trusts (`rootcertbundle`). The key and certificate come from `openssl`.
 * @module
 */
import { importPKCS8, SignJWT } from "jose";

/** A running token service. */
export interface TestTokenServer {
  /** The realm URL the registry sends clients to. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file of the certificate the registry must trust. */
  readonly certFile: string;
  /** Token requests received: the scope and whether they carried valid credentials. */
  readonly requests: { scope: string[]; authenticated: boolean }[];
  /** A push-and-pull token for `repository` (for test setup). */
  pushToken(repository: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a token service accepting `username`/`password`; `anonymousPull` lets anyone pull. */
export async function startTokenServer(
  options: { username: string; password: string; anonymousPull?: boolean },
): Promise<TestTokenServer> {
  const dir = await Deno.makeTempDir({ prefix: "token-" });
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "2",
      "-subj",
      "/CN=portcullis-test-token",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
  const key = await importPKCS8(await Deno.readTextFile(`${dir}/key.pem`), "RS256");
  const certDer = (await Deno.readTextFile(`${dir}/cert.pem`)).replace(/-----[A-Z ]+-----|\s/g, "");
  const service = "portcullis-test-registry";
  const issuer = "portcullis-test-issuer";
  const requests: TestTokenServer["requests"] = [];
  const expected = `Basic ${btoa(`${options.username}:${options.password}`)}`;

  const issue = (access: { type: string; name: string; actions: string[] }[]) =>
    new SignJWT({ access })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", x5c: [certDer] })
      .setIssuer(issuer)
      .setSubject(options.username)
      .setAudience(service)
      .setIssuedAt()
      .setNotBefore(Math.floor(Date.now() / 1000) - 10)
      .setExpirationTime("5m")
      .setJti(crypto.randomUUID())
      .sign(key);

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const scope = url.searchParams.getAll("scope");
    const authenticated = req.headers.get("authorization") === expected;
    requests.push({ scope, authenticated });
    if (req.headers.has("authorization") && !authenticated) {
      return new Response("bad credentials", { status: 401 });
    }
    if (!authenticated && !options.anonymousPull) {
      return new Response("credentials required", { status: 401 });
    }
    const access = scope.map((s) => s.split(":")).filter((p) => p[0] === "repository").map((p) => ({
      type: "repository",
      name: p.slice(1, -1).join(":"),
      actions: p.at(-1)!.split(",").filter((a) => a === "pull" || authenticated),
    }));
    const token = await issue(access);
    return Response.json({ token, access_token: token, expires_in: 300 });
  });
  return {
    realm: `http://127.0.0.1:${server.addr.port}/token`,
    service,
    issuer,
    certFile: `${dir}/cert.pem`,
    requests,
    pushToken: (repository) => issue([{ type: "repository", name: repository, actions: ["pull", "push"] }]),
    close: () => server.shutdown(),
  };
}
