// HTTP calls (`proxy_http_call`) to a cluster of the gateway: the answer comes back to the context that made
// the call, in its `onHttpCallResponse`.
import * as abi from "./imports";
import { Body } from "./body";
import { HeaderMap } from "./headers";
import { HeaderPair, ptr, RET_EXTRA, serializePairs, utf8 } from "./memory";
import { BufferType, MapType } from "./status";

/** The answer to an HTTP call; readable only during `onHttpCallResponse`. */
export class HttpCallResponse {
  /** The response headers (`:status` first). */
  readonly headers: HeaderMap = new HeaderMap(MapType.HttpCallResponseHeaders);
  /** The response body. */
  readonly body: Body = new Body(BufferType.HttpCallResponseBody);

  constructor(
    /** The token `httpCall` returned. */
    public readonly token: u32,
    /** How many headers came back: 0 means the call failed (timeout, reset, no such cluster). */
    public readonly headerCount: u32,
    /** Body size in bytes. */
    public readonly bodySize: u32,
  ) {}

  /** Whether the call failed without a response. */
  get failed(): bool {
    return this.headerCount == 0;
  }

  /** The HTTP status, 0 when the call failed. */
  get status(): u32 {
    if (this.failed) return 0;
    const s = this.headers.get(":status");
    return s === null ? 0 : <u32>I32.parseInt(s);
  }
}

/** Which context made each pending call: token → context id. */
export const callOwners = new Map<u32, u32>();

/**
 * Sends an HTTP request to `cluster` (a cluster name such as `outbound|80||svc.ns.svc.cluster.local`, or a
 * service host). `headers` must include `:method`, `:path` and `:authority`. Returns the call's token, or 0
 * when the host refused the call (unknown cluster, missing pseudo-headers).
 */
export function dispatchHttpCall(
  owner: u32,
  cluster: string,
  headers: HeaderPair[],
  body: string,
  timeoutMs: u32,
): u32 {
  const c = utf8(cluster);
  const h = serializePairs(headers);
  const b = utf8(body);
  const t = serializePairs(new Array<HeaderPair>());
  const status = abi.proxy_http_call(
    ptr(c), c.byteLength, ptr(h), h.byteLength, ptr(b), b.byteLength, ptr(t), t.byteLength, timeoutMs, RET_EXTRA,
  );
  if (status != 0) return 0;
  const token = load<u32>(RET_EXTRA);
  callOwners.set(token, owner);
  return token;
}
