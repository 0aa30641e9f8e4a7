/**
 * The request attributes AuthorizationPolicy rules read, taken from a request at the gateway: addresses are
 * parsed only when a rule asks, and at most once.
 * @module
 */
import type { AuthzAttributes } from "../../compile/authz/types.ts";
import { type IpAddress, parseIp } from "../../compile/authz/ip.ts";
import type { ClientAddresses } from "../../proxy/client_address.ts";

/** What the attributes are made from. */
export interface AuthzRequestInput {
  readonly req: Request;
  readonly authority: string;
  /** The normalized path without query. */
  readonly path: string;
  /** Path with query (`:path`). */
  readonly fullPath: string;
  readonly scheme: string;
  /** The peer's address. */
  readonly peer: string;
  /** `address:port` the listener is bound to (`[v6]:port` for IPv6). */
  readonly localAddress: string;
  /**
   * The client (`remote.ip`: the peer, or from X-Forwarded-For with `numTrustedProxies`) and the
   * X-Forwarded-For with the peer appended, as Envoy's connection manager decided before the filters.
   */
  readonly addresses: ClientAddresses;
  /** The verified JWT's payload, once RequestAuthentication has run. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** The peer's mTLS identity (URI SAN), when its connection presented a client certificate. */
  readonly peerPrincipal?: string;
}

/** The attributes of one request. */
export function authzAttributes(input: AuthzRequestInput): AuthzAttributes {
  return new RequestAttributes(input);
}

const UNPARSED = Symbol("unparsed");

class RequestAttributes implements AuthzAttributes {
  readonly #input: AuthzRequestInput;
  readonly #local: { host: string; port: number };
  #remote: IpAddress | undefined | typeof UNPARSED = UNPARSED;

  constructor(input: AuthzRequestInput) {
    this.#input = input;
    this.#local = listenerAddress(input.localAddress);
  }

  get method(): string {
    return this.#input.req.method;
  }
  get authority(): string {
    return this.#input.authority;
  }
  get path(): string {
    return this.#input.path;
  }
  get destinationPort(): number {
    return this.#local.port;
  }
  get sni(): string {
    return "";
  }
  get claims(): Readonly<Record<string, unknown>> | undefined {
    return this.#input.claims;
  }
  get peerPrincipal(): string | undefined {
    return this.#input.peerPrincipal;
  }

  header(name: string): string | null {
    const input = this.#input;
    switch (name) {
      case ":method":
        return input.req.method;
      case ":path":
        return input.fullPath;
      case ":authority":
        return input.authority;
      case ":scheme":
        return input.scheme;
      // Envoy's connection manager has appended the peer before any filter runs.
      case "x-forwarded-for":
        return input.addresses.forwardedFor;
    }
    return input.req.headers.get(name);
  }

  sourceIp(): IpAddress | undefined {
    return cachedIp(this.#input.peer);
  }

  remoteIp(): IpAddress | undefined {
    if (this.#remote === UNPARSED) {
      const input = this.#input;
      const client = input.addresses.client;
      this.#remote = client === input.peer ? cachedIp(client) : parseIp(client);
    }
    return this.#remote;
  }

  destinationIp(): IpAddress | undefined {
    // A listener on the unspecified address does not know which local address a connection reached.
    const host = this.#local.host;
    return host === "0.0.0.0" || host === "::" ? undefined : cachedIp(host);
  }
}

// The last address parsed and the last listener address split: requests on one connection, or from one
// client, repeat them.
let lastIpText = "";
let lastIp: IpAddress | undefined;
let lastLocalText = "";
let lastLocal = { host: "", port: 0 };

function cachedIp(text: string): IpAddress | undefined {
  if (text !== lastIpText) {
    lastIp = parseIp(text);
    lastIpText = text;
  }
  return lastIp;
}

function listenerAddress(address: string): { host: string; port: number } {
  if (address !== lastLocalText) {
    const colon = address.lastIndexOf(":");
    const host = address.slice(0, colon);
    lastLocal = {
      host: host.startsWith("[") ? host.slice(1, -1) : host,
      port: Number(address.slice(colon + 1)),
    };
    lastLocalText = address;
  }
  return lastLocal;
}
