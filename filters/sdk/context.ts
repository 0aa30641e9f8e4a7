// The contexts a filter extends: one RootContext per VM (configuration, timers, queues) and one
// StreamContext per request. `registerFilter` tells the SDK how to make the root context.
import * as abi from "./imports";
import { dispatchHttpCall, HttpCallResponse } from "./http_call";
import { HeaderPair } from "./memory";
import { Action } from "./status";

/** The per-VM context: override what you need. */
export class RootContext {
  /** The context id the host gave it. */
  id: u32 = 0;

  /** The VM starts with `vmConfig` (the WasmPlugin's `vmConfig`; usually empty). False fails the VM. */
  onVmStart(vmConfig: string): bool {
    return true;
  }

  /** The plugin configuration (the WasmPlugin's `pluginConfig` as JSON). False rejects it: the plugin fails. */
  onConfigure(config: string): bool {
    return true;
  }

  /** A context for a new request. */
  newStream(): StreamContext {
    return new StreamContext();
  }

  /** Called every tick period (see `setTickPeriod`). */
  onTick(): void {}

  /** Queue `queueId`, registered by this VM, has items. */
  onQueueReady(queueId: u32): void {}

  /** The answer to an HTTP call this root context made. */
  onHttpCallResponse(response: HttpCallResponse): void {}

  /** The VM is going away; return false to finish later with `proxy_done`. */
  onDone(): bool {
    return true;
  }

  /** Calls `onTick` every `ms` milliseconds (0 stops). */
  setTickPeriod(ms: u32): void {
    abi.proxy_set_tick_period_milliseconds(ms);
  }

  /** An HTTP call whose answer goes to this context's `onHttpCallResponse`; returns its token, 0 if refused. */
  httpCall(cluster: string, headers: HeaderPair[], body: string, timeoutMs: u32): u32 {
    return dispatchHttpCall(this.id, cluster, headers, body, timeoutMs);
  }
}

/**
 * The per-request context: override the callbacks you need. In them, `request` and `response` (from the SDK)
 * are this request's.
 */
export class StreamContext {
  /** The context id the host gave it. */
  id: u32 = 0;

  /** The request headers arrived (`request.headers`); `endOfStream` when there is no body. */
  onRequestHeaders(endOfStream: bool): Action {
    return Action.Continue;
  }

  /** A request body chunk arrived (`request.body`, `bodySize` bytes held). */
  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  /** The request trailers arrived (`request.trailers`). */
  onRequestTrailers(): Action {
    return Action.Continue;
  }

  /** The response headers arrived (`response.headers`, `:status` first). */
  onResponseHeaders(endOfStream: bool): Action {
    return Action.Continue;
  }

  /** A response body chunk arrived (`response.body`). */
  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  /** The response trailers arrived (`response.trailers`). */
  onResponseTrailers(): Action {
    return Action.Continue;
  }

  /** The answer to an HTTP call this stream made (then `resumeRequest()` or `sendLocalReply(...)`). */
  onHttpCallResponse(response: HttpCallResponse): void {}

  /** The request is over: the access-log hook; every header map and property is readable. */
  onLog(): void {}

  /** The stream is done (before `onLog`). */
  onDone(): void {}

  /** An HTTP call whose answer goes to this stream's `onHttpCallResponse`; returns its token, 0 if refused. */
  httpCall(cluster: string, headers: HeaderPair[], body: string, timeoutMs: u32): u32 {
    return dispatchHttpCall(this.id, cluster, headers, body, timeoutMs);
  }
}

/** Makes the filter's root context. */
export type RootFactory = () => RootContext;

let factory: RootFactory | null = null;

/** Registers the filter: call once at the top level of `filter.ts` with a function making its root context. */
export function registerFilter(make: RootFactory): void {
  factory = make;
}

/** The registered factory's root context, or a default one when the filter registered none. */
export function makeRoot(): RootContext {
  const make = factory;
  return make === null ? new RootContext() : make();
}
