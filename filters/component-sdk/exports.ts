// The world's exports, lowered by hand: the build renames `on_request_headers` to `on-request-headers`.
// There are no `cabi_post_*` functions: what a result references stays pinned until the next export call
// (`unpinAll` at the start of each), which saves the host a call into the guest per hook.
import { registeredFilter } from "./filter";
import { OUT, pin, takeBytes, unpinAll, utf8 } from "./memory";
export { cabi_realloc } from "./memory";
import "./runtime";

export function configure(config: usize, len: usize): usize {
  unpinAll();
  const error = registeredFilter().configure(String.UTF8.decode(takeBytes(config, len)));
  if (error === null) {
    store<u8>(OUT, 0);
  } else {
    const message = utf8(error);
    store<u8>(OUT, 1);
    store<u32>(OUT + 4, <u32>pin(message));
    store<u32>(OUT + 8, message.byteLength);
  }
  return OUT;
}

export function on_request_headers(endOfStream: u32): usize {
  unpinAll();
  return registeredFilter().onRequestHeaders(endOfStream != 0).lower();
}

export function on_request_body(body: usize, len: usize, endOfStream: u32): usize {
  unpinAll();
  return registeredFilter().onRequestBody(takeBytes(body, len), endOfStream != 0).lower();
}

export function on_response_headers(endOfStream: u32): usize {
  unpinAll();
  return registeredFilter().onResponseHeaders(endOfStream != 0).lower();
}

export function on_response_body(body: usize, len: usize, endOfStream: u32): usize {
  unpinAll();
  return registeredFilter().onResponseBody(takeBytes(body, len), endOfStream != 0).lower();
}
