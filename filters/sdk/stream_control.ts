// What a filter does to the current stream: answer it locally, resume it, reset it; and the stream's
// header maps and bodies.
import * as abi from "./imports";
import { Body } from "./body";
import { HeaderMap } from "./headers";
import { HeaderPair, ptr, serializePairs, utf8 } from "./memory";
import { BufferType, MapType, StreamType, WasmResult } from "./status";

/** One direction of the current stream. */
export class HttpMessage {
  constructor(
    /** Its headers (request: `:method`, `:path`, `:authority`, `:scheme` first; response: `:status`). */
    public readonly headers: HeaderMap,
    /** Its trailers. */
    public readonly trailers: HeaderMap,
    /** Its body, in the body callbacks. */
    public readonly body: Body,
  ) {}
}

/** The current stream's request. */
export const request = new HttpMessage(
  new HeaderMap(MapType.RequestHeaders),
  new HeaderMap(MapType.RequestTrailers),
  new Body(BufferType.RequestBody),
);

/** The current stream's response. */
export const response = new HttpMessage(
  new HeaderMap(MapType.ResponseHeaders),
  new HeaderMap(MapType.ResponseTrailers),
  new Body(BufferType.ResponseBody),
);

/**
 * Answers the current request locally with `status`, `body` and extra `headers`; nothing more goes upstream.
 * `details` becomes the response code details of the access log (`%RESPONSE_CODE_DETAILS%`); the gateway
 * maps `local_rate_limited` to Envoy's response flag `RL`.
 */
export function sendLocalReply(
  status: u32,
  body: string = "",
  headers: HeaderPair[] = new Array<HeaderPair>(),
  details: string = "",
): WasmResult {
  const d = utf8(details);
  const b = utf8(body);
  const h = serializePairs(headers);
  return <WasmResult>abi.proxy_send_local_response(
    status, ptr(d), d.byteLength, ptr(b), b.byteLength, ptr(h), h.byteLength, -1,
  );
}

/** Lets a paused request go on. */
export function resumeRequest(): WasmResult {
  return <WasmResult>abi.proxy_continue_stream(<i32>StreamType.Request);
}

/** Lets a paused response go on. */
export function resumeResponse(): WasmResult {
  return <WasmResult>abi.proxy_continue_stream(<i32>StreamType.Response);
}

/** Resets the stream without a response. */
export function resetStream(): WasmResult {
  return <WasmResult>abi.proxy_close_stream(<i32>StreamType.Request);
}
