/**
 * HTTP calls a filter makes in a test: each is held until the test answers it (or fails it), so a test can
 * assert what was asked and then drive the answer.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import type { CalloutRequest, CalloutResponse, HttpCallout } from "../../wasm/mod.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Lets the host deliver what was just settled (its `then` handlers run before a macrotask). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** One HTTP call from the filter. */
export class HttpCall {
  /** The cluster (or service host) the filter named. */
  readonly cluster: string;
  /** The request headers, pseudo-headers included, by name (repeated names: the last). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body as text. */
  readonly body: string;
  /** The filter's timeout in milliseconds (0: none). */
  readonly timeoutMs: number;
  readonly #signal: AbortSignal;
  #settle: ((response: CalloutResponse | undefined) => void) | undefined;
  /** The promise the host waits on. */
  readonly promise: Promise<CalloutResponse>;

  constructor(request: CalloutRequest) {
    this.cluster = request.cluster;
    const headers: Record<string, string> = {};
    request.headers.forEach((v, n) => headers[n] = v);
    this.headers = headers;
    this.body = decoder.decode(request.body);
    this.timeoutMs = request.timeoutMs;
    this.#signal = request.signal;
    this.promise = new Promise<CalloutResponse>((resolve, reject) => {
      this.#settle = (response) =>
        response ? resolve(response) : reject(new Error("the test failed the call"));
    });
    this.promise.catch(() => {});
  }

  /** Whether the call was answered, failed, timed out or dropped with its VM. */
  get settled(): boolean {
    return this.#settle === undefined || this.#signal.aborted;
  }

  /** Answers the call; resolves once the filter has handled the answer. */
  async respond(status: number, headers: Record<string, string> = {}, body = ""): Promise<void> {
    this.#take()({ status, headers: HeaderList.from(headers), body: encoder.encode(body) });
    await flush();
  }

  /** Fails the call (a connect failure or reset: the filter sees no headers); resolves once handled. */
  async fail(): Promise<void> {
    this.#take()(undefined);
    await flush();
  }

  #take(): (response: CalloutResponse | undefined) => void {
    const settle = this.#settle;
    if (!settle || this.#signal.aborted) {
      throw new Error(`The HTTP call to "${this.cluster}" is already over`);
    }
    this.#settle = undefined;
    return settle;
  }
}

/** A callout recording every call into `calls`; `clusters` (when given) are the only known ones. */
export function recordingCallout(calls: HttpCall[], clusters?: readonly string[]): HttpCallout {
  return (request) => {
    if (clusters !== undefined && !clusters.includes(request.cluster)) return undefined;
    const call = new HttpCall(request);
    calls.push(call);
    return call.promise;
  };
}
