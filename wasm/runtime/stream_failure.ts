/**
 * A plugin's `failStrategy` applied to one stream whose VM is gone (it trapped, failed, or was never loaded),
 * as Envoy's wasm filter does: FAIL_CLOSE answers the stream once with the `wasm_fail_stream` 503 and lets
 * whatever the data path still delivers pass; FAIL_OPEN lets everything pass. Shared by the Proxy-Wasm, Lua
 * and component streams. (FAIL_RELOAD reaches the runtime as FAIL_CLOSE; restarting the VM is `supervised_plugin.ts`'s job.)
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import type { FailStrategy } from "./options.ts";
import { CONTINUE, type DataOutcome, type HeadersOutcome, type LocalReply } from "./results.ts";

/** The reply for a stream whose VM failed under FAIL_CLOSE (Envoy's `wasm_fail_stream`). */
export const FAIL_CLOSE_REPLY: LocalReply = Object.freeze({
  status: 503,
  details: "wasm_fail_stream",
  body: new Uint8Array(0),
  headers: new HeaderList(),
  grpcStatus: 14,
});

/** The fail strategy of one stream; it remembers whether the stream was already answered. */
export class StreamFailure {
  readonly #strategy: FailStrategy;
  #replied = false;

  /** Applies `strategy` to one stream. */
  constructor(strategy: FailStrategy) {
    this.#strategy = strategy;
  }

  /** What a headers (or trailers) callback of the failed stream does. */
  headers(): HeadersOutcome {
    return this.#replies() ? { action: "reply", reply: FAIL_CLOSE_REPLY } : CONTINUE;
  }

  /** What a body callback of the failed stream does with `body` (what was held plus this chunk). */
  data(body: Uint8Array): DataOutcome {
    return this.#replies()
      ? { action: "reply", reply: FAIL_CLOSE_REPLY }
      : { action: "continue", data: body };
  }

  /** True once, for the first callback of a FAIL_CLOSE stream. */
  #replies(): boolean {
    if (this.#strategy === "FAIL_OPEN" || this.#replied) return false;
    this.#replied = true;
    return true;
  }
}
