/**
 * Forwarding a routed request to its cluster, as Envoy's router does: endpoint choice (load balancer, outlier
 * ejections, hosts already tried), circuit breaking, attempts with per-try timeouts, retries with backoff,
 * the route timeout over the whole exchange, client-disconnect cancellation, and the response the client sees.
 * @module
 */
import type { Cluster, Endpoint, RouteEntry, WeightedCluster } from "../compile/types.ts";
import type { MeshConfig } from "../config/mesh/mod.ts";
import { type ConnectionPoolConfig, OVERFLOW_RESPONSE } from "../upstream/circuit_breaker.ts";
import { hashKeyFor } from "../upstream/load_balancer/hash_key.ts";
import type { LbContext } from "../upstream/load_balancer/types.ts";
import {
  type AttemptOutcome,
  NO_RETRIES,
  type ResetReason,
  resolveRetryPolicy,
  type RetryPolicy,
  RetryState,
} from "../upstream/retry_policy.ts";
import type { ClusterCounters } from "../upstream/cluster_counters.ts";
import { type ClusterState, FREE_SLOT, type Slot } from "./cluster_state.ts";
import type { HeaderList } from "./header_list.ts";
import { appendResponseHeaders, type EdgeContext, upstreamHeaders } from "./headers.ts";
import { localReply, noHealthyUpstream, upstreamResetBody } from "./local_reply.ts";
import { requestFields } from "./request_fields.ts";
import { rewritePath } from "./rewrite.ts";
import type { StreamInfo } from "./stream_info.ts";
import { applyHeaderOperations } from "./route_actions.ts";
import { type SendUpstream, UpstreamError, type UpstreamResponse } from "./upstream.ts";

/** The parts of the downstream request forwarding uses. */
export interface Downstream {
  readonly request: Request;
  readonly authority: string;
  /** Path with query, as received. */
  readonly fullPath: string;
  readonly path: string;
  readonly query: string;
  readonly edge: EdgeContext;
  readonly startedAt: number;
  /** The body to send upstream when not the request's own (the primary branch of a mirrored body). */
  body?: ReadableStream<Uint8Array> | null;
  /** The upstream headers and path, when already built (for mirrors, which copy them). */
  upstream?: { readonly headers: HeaderList; readonly path: string };
  /** Where telemetry facts go, when the gateway records requests. */
  readonly si?: StreamInfo;
}

/** How a forwarded request ended, for logs and metrics. */
export interface ForwardResult {
  readonly response: Response;
  /** Envoy response flags, comma-joined (`UF,URX`); undefined for none. */
  readonly flags?: string;
  /** The endpoint of the last attempt. */
  readonly endpoint?: Endpoint;
}

/** What forwarding needs besides the request. */
export interface ForwardContext {
  readonly send: SendUpstream;
  readonly state: ClusterState;
  readonly endpoints: readonly Endpoint[];
  readonly mesh: MeshConfig;
}

/** After this long without upstream response headers, the client connection is watched for a disconnect. */
const DISCONNECT_WATCH_MS = 50;
/** Request bodies up to this size are buffered so that a retry can send them again (Envoy's buffer limit). */
const RETRY_BUFFER_LIMIT = 64 * 1024;

/** Resolved policies per route: without and with consistent hashing at the destination (it changes the host predicate). */
const POLICIES = new WeakMap<RouteEntry, [RetryPolicy | undefined, RetryPolicy | undefined]>();

/** The retry policy of a route: its `retries`, else the mesh default (Istio's when unset). */
export function retryPolicyFor(route: RouteEntry, mesh: MeshConfig, cluster?: Cluster): RetryPolicy {
  const consistentHash = cluster?.trafficPolicy?.loadBalancer?.consistentHash !== undefined;
  let cached = POLICIES.get(route);
  if (!cached) POLICIES.set(route, cached = [undefined, undefined]);
  const i = consistentHash ? 1 : 0;
  return cached[i] ??= resolveRetryPolicy(route.retries, mesh.defaultHttpRetryPolicy, { consistentHash });
}

/** The upstream request's headers and path (with query) for a routed request. */
export function upstreamRequest(
  down: Downstream,
  route: RouteEntry,
  cluster: WeightedCluster,
): { headers: HeaderList; path: string } {
  const headers = upstreamHeaders(requestFields(down.request), down.edge);
  headers.setValid("x-envoy-decorator-operation", route.operation);
  if (route.timeoutMs !== undefined) {
    headers.setValid("x-envoy-expected-rq-timeout-ms", String(route.timeoutMs));
  }
  let path = down.fullPath;
  if (route.rewrite?.uri !== undefined || route.rewrite?.uriRegexRewrite !== undefined) {
    const rewritten = rewritePath(route.rewrite, down.path, route.match.spec?.uri?.prefix);
    path = down.query ? `${rewritten}?${down.query}` : rewritten;
    headers.setValid("x-envoy-original-path", down.fullPath);
  }
  headers.setValid("host", route.rewrite?.authority ?? down.authority);
  applyHeaderOperations(headers, route.headers?.request);
  applyHeaderOperations(headers, cluster.headers?.request);
  down.si?.trace?.onUpstreamHeaders(headers);
  return { headers, path };
}

/** Sends the request to the cluster, retrying as the route's policy says, and builds the client's response. */
export async function forward(
  down: Downstream,
  route: RouteEntry,
  target: WeightedCluster,
  ctx: ForwardContext,
): Promise<ForwardResult> {
  const req = down.request;
  const source = down.body !== undefined ? down.body : req.body;
  const { headers, path } = down.upstream ?? upstreamRequest(down, route, target);
  const life = new RequestLifetime(req, route.timeoutMs, down.startedAt);
  let policy = retryPolicyFor(route, ctx.mesh, ctx.state.cluster);
  let body: Uint8Array | null = null;
  if (source !== null) {
    // Bodies of known length up to the buffer limit are read whole: they can be replayed by a retry, and a
    // whole body goes upstream with its head in one write. Larger or unknown ones stream, with one attempt.
    const length = Number(req.headers.get("content-length") ?? NaN);
    if (length <= RETRY_BUFFER_LIMIT) {
      const read = await readWhole(source, length, life.signal).catch(
        (): typeof DOWNSTREAM_BODY_FAILED => DOWNSTREAM_BODY_FAILED,
      );
      if (read === DOWNSTREAM_BODY_FAILED) {
        life.finish();
        return { response: localReply(499, "client disconnected"), flags: "DC" };
      }
      if (read === null) {
        life.finish();
        return lifetimeEnded(life);
      }
      body = read;
      headers.setValid("content-length", String(body.length));
      if (down.si) down.si.requestBytes = body.length;
    } else if (policy.numRetries > 0) policy = NO_RETRIES;
  }
  // One request per connection (`maxRequestsPerConnection: 1`) disables upstream keep-alive.
  if (ctx.state.pool.maxRequestsPerConnection === 1) headers.setValid("connection", "close");
  const retry = new RetryState(policy, { breaker: ctx.state.breaker });
  const counters = ctx.state.counters;
  if (down.si) down.si.requestId = headers.get("x-request-id") ?? undefined;
  // Hosts of earlier attempts, made at the first retry.
  let tried: Set<Endpoint> | undefined;
  const outlier = ctx.state.outlier;
  const balancer = ctx.state.balancer(ctx.endpoints);
  const hashing = ctx.state.cluster.trafficPolicy?.loadBalancer?.consistentHash;
  const hash = hashing
    ? hashKeyFor({
      headers: req.headers,
      authority: down.authority,
      path: down.fullPath,
      method: req.method,
      sourceIp: down.edge.addresses.client,
      remoteAddress: down.edge.addresses.client,
    }, hashing)
    : undefined;
  // Hosts of earlier attempts in order, repeats included (Envoy counts one per attempt): locality-aware
  // balancing moves retries to other priorities with `retryRemoteLocalities`.
  const attempted: Endpoint[] | undefined = policy.retryRemoteLocalities ? [] : undefined;
  const lbContext: LbContext | undefined = attempted
    ? { hashKey: hash?.hashKey, retryRemoteLocalities: true, attempted }
    : hash?.hashKey !== undefined
    ? { hashKey: hash.hashKey }
    : undefined;
  try {
    for (let attempt = 1;; attempt++) {
      const ejected = outlier && !outlier.isPanic(ctx.endpoints) ? outlier.ejected(ctx.endpoints) : undefined;
      const avoid = tried === undefined ? ejected : new Set([...(ejected ?? []), ...tried]);
      // Hosts already tried are avoided while others remain (Envoy's previous_hosts predicate), then reused.
      const endpoint = balancer.choose(lbContext, avoid) ?? balancer.choose(lbContext, ejected);
      if (!endpoint) return { response: noHealthyUpstream(), flags: "UH" };
      const admitted = ctx.state.admit();
      const slot = admitted instanceof Promise ? await admitted : admitted;
      if (!slot) {
        return {
          response: localReply(503, OVERFLOW_RESPONSE.body, { "x-envoy-overloaded": "true" }),
          flags: "UO",
          endpoint,
        };
      }
      headers.setValid("x-envoy-attempt-count", String(attempt));
      down.si?.trace?.startAttempt(headers, attempt, endpoint.address, endpoint.port);
      counters.rqTotal++;
      balancer.onRequestStart(endpoint);
      const result = await attemptOnce(
        ctx.send,
        endpoint,
        req.method,
        path,
        headers,
        body ?? source,
        life,
        policy,
        ctx.state.pool,
      );
      balancer.onRequestEnd(endpoint);
      const outcome = result.outcome;
      down.si?.trace?.endAttempt(outcome);
      countOutcome(counters, outcome);
      if (outcome.kind === "response") outlier?.recordResult(endpoint, { status: outcome.status });
      else if (outcome.reason !== "local_reset") {
        outlier?.recordResult(endpoint, { localOrigin: localOrigin(outcome.reason) });
      }
      if (life.cause) {
        if (life.cause === "UT") counters.rqTimeout++;
        result.unlink();
        slot.release();
        await result.response?.body?.cancel().catch(() => {});
        return life.cause === "UT"
          ? { response: localReply(504, "upstream request timeout"), flags: "UT", endpoint }
          : { response: localReply(499, "client disconnected"), flags: "DC", endpoint };
      }
      const decision = retry.next(outcome);
      if (decision.retry) {
        counters.rqRetry++;
        result.unlink();
        slot.release();
        await result.response?.body?.cancel().catch(() => {});
        (tried ??= new Set()).add(endpoint);
        attempted?.push(endpoint);
        await life.sleep(decision.backoffMs);
        if (!life.cause) continue;
        if (life.cause === "UT") counters.rqTimeout++;
        return life.cause === "UT"
          ? { response: localReply(504, "upstream request timeout"), flags: "UT", endpoint }
          : { response: localReply(499, "client disconnected"), flags: "DC", endpoint };
      }
      const urx = decision.reason === "limit_exceeded" && retry.retriesUsed > 0 ? ",URX" : "";
      if (decision.reason === "limit_exceeded") counters.rqRetryLimitExceeded++;
      else if (retry.retriesUsed > 0 && outcome.kind === "response") counters.rqRetrySuccess++;
      if (result.response) {
        life.stopWatching();
        const response = clientResponse(result, down, target, life, slot);
        if (hash?.setCookie) response.headers.append("set-cookie", hash.setCookie);
        return { response, endpoint };
      }
      slot.release();
      if (outcome.kind === "reset" && outcome.reason === "per_try_timeout") {
        return { response: localReply(504, "upstream request timeout"), flags: `UT${urx}`, endpoint };
      }
      const reason = outcome.kind === "reset" ? outcome.reason : "remote_reset";
      const flag = reason === "connect_failure" || reason === "connect_timeout"
        ? "UF"
        : reason === "protocol_error"
        ? "UPE"
        : "UR";
      const words = reason === "connect_timeout" || reason === "connect_failure"
        ? "connection_failure"
        : reason;
      return {
        response: localReply(503, upstreamResetBody(words, retry.retriesUsed > 0)),
        flags: `${flag}${urx}`,
        endpoint,
      };
    }
  } finally {
    retry.finish();
    life.stopWatching();
  }
}

/** Bumps the cluster counters for how an attempt ended. */
function countOutcome(counters: ClusterCounters, outcome: AttemptOutcome): void {
  if (outcome.kind === "response") {
    counters.response(outcome.status);
    return;
  }
  switch (outcome.reason) {
    case "connect_failure":
    case "connect_timeout":
      counters.cxConnectFail++;
      break;
    case "per_try_timeout":
      counters.rqPerTryTimeout++;
      break;
    case "local_reset":
      counters.rqTxReset++;
      break;
    default:
      counters.rqRxReset++;
  }
}

function localOrigin(reason: ResetReason): "connect_failure" | "timeout" | "reset" {
  if (reason === "connect_failure") return "connect_failure";
  if (reason === "connect_timeout" || reason === "per_try_timeout") return "timeout";
  return "reset";
}

interface Attempt {
  readonly outcome: AttemptOutcome;
  readonly response?: UpstreamResponse;
  /** Stops the request lifetime from aborting this attempt (call once its response is over). */
  readonly unlink: () => void;
}

function NOTHING_TO_UNLINK(): void {}

/** One exchange with one endpoint, bounded by the per-try timeout and the request's lifetime. */
async function attemptOnce(
  send: SendUpstream,
  endpoint: Endpoint,
  method: string,
  path: string,
  headers: HeaderList,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  life: RequestLifetime,
  policy: RetryPolicy,
  pool: Pick<ConnectionPoolConfig, "connectTimeoutMs" | "idleTimeoutMs">,
): Promise<Attempt> {
  // Without a per-try timeout the attempt ends only with the request, so it takes the lifetime's signal as is;
  // once an attempt is over its exchange no longer listens, so nothing needs unlinking.
  let signal = life.signal;
  let unlink = NOTHING_TO_UNLINK;
  let perTryExpired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (policy.perTryTimeoutMs !== undefined) {
    const abort = new AbortController();
    const onLifeEnd = () => abort.abort();
    life.signal.addEventListener("abort", onLifeEnd, { once: true });
    unlink = () => life.signal.removeEventListener("abort", onLifeEnd);
    signal = abort.signal;
    timer = setTimeout(() => {
      perTryExpired = true;
      abort.abort();
    }, policy.perTryTimeoutMs);
  }
  try {
    const response = await send({
      address: endpoint.address,
      port: endpoint.port,
      method,
      path,
      headers,
      connectTimeoutMs: pool.connectTimeoutMs,
      idleTimeoutMs: pool.idleTimeoutMs,
      body,
      signal,
    });
    // The route timeout still covers the response body, so the link to the lifetime stays until it ends.
    return {
      outcome: { kind: "response", status: response.status, headers: response.headers },
      response,
      unlink,
    };
  } catch (e) {
    unlink();
    if (perTryExpired) {
      return { outcome: { kind: "reset", reason: "per_try_timeout", requestSent: true }, unlink };
    }
    const reason = e instanceof UpstreamError ? e.reason : "connection_failure";
    const mapped: ResetReason = reason === "connection_failure"
      ? "connect_failure"
      : reason === "protocol_error"
      ? "protocol_error"
      : reason === "local_reset"
      ? "local_reset"
      : "remote_reset";
    return {
      outcome: { kind: "reset", reason: mapped, requestSent: reason !== "connection_failure" },
      unlink,
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The client's response for an upstream response; the slot is released and the timer stopped when it ends. */
function clientResponse(
  attempt: Attempt,
  down: Downstream,
  target: WeightedCluster,
  life: RequestLifetime,
  slot: Slot,
): Response {
  const res = attempt.response!;
  const done = () => {
    attempt.unlink();
    life.finish();
    slot.release();
  };
  let body: BodyInit | null;
  const si = down.si;
  if (res.bodyBytes !== undefined) {
    // Already complete: bytes are cheaper for Deno.serve to send than a stream (and `body` is never made).
    done();
    body = res.bodyBytes as Uint8Array<ArrayBuffer>;
    if (si) si.responseBytes = res.bodyBytes.length;
  } else if (res.body === null) {
    done();
    body = null;
    if (si) si.responseBytes = 0;
  } else if (si) {
    // Telemetry wants the bytes sent and the end of the body: count them on the way.
    let ended: ((bytes: number) => void) | undefined;
    let sent = -1;
    si.whenBodyDone = (callback) => sent >= 0 ? callback(sent) : (ended = callback);
    const finish = (bytes: number) => {
      done();
      sent = bytes;
      ended?.(bytes);
    };
    body = untilDone(res.body, finish);
  } else if (!life.hasTimer && slot === FREE_SLOT) {
    // Only responses that hold something until their end (route timer, connection slot) pay for a wrapper.
    done();
    body = res.body;
  } else if (res.whenDone !== undefined) {
    res.whenDone(done);
    body = res.body;
  } else {
    body = untilDone(res.body, done);
  }
  // Fields appended after construction: Deno prepares a native header map for `init.headers`, which costs
  // more than appending to the response's own headers.
  const response = new Response(body, { status: res.status });
  const out = response.headers;
  appendResponseHeaders(out, res.headers);
  const serviceTime = Math.round(performance.now() - down.startedAt);
  if (si) si.upstreamServiceTimeMs = serviceTime;
  out.set("x-envoy-upstream-service-time", String(serviceTime));
  applyHeaderOperations(out, target.headers?.response);
  return response;
}

/** `readWhole` failed: the client's body broke off (the client went away mid-body). */
const DOWNSTREAM_BODY_FAILED = Symbol("downstream body failed");

/** The local reply for a request whose lifetime ended (route timeout or client gone) before it was sent. */
function lifetimeEnded(life: RequestLifetime): ForwardResult {
  return life.cause === "DC"
    ? { response: localReply(499, "client disconnected"), flags: "DC" }
    : { response: localReply(504, "upstream request timeout"), flags: "UT" };
}

/**
 * Reads a body of `expected` bytes (its `content-length`) into one buffer; null when `signal` aborts first.
 * A body that fails or differs from its length rejects.
 */
async function readWhole(
  source: ReadableStream<Uint8Array>,
  expected: number,
  signal: AbortSignal,
): Promise<Uint8Array | null> {
  const reader = source.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const out = new Uint8Array(expected);
    let at = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (signal.aborted) return null;
      if (done) break;
      if (at + value.length > expected) {
        throw new RangeError("request body is longer than its content-length");
      }
      out.set(value, at);
      at += value.length;
    }
    if (at !== expected) throw new RangeError("request body is shorter than its content-length");
    return out;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The route timeout and the client-disconnect watch of one request. `req.signal` is costly to create, so only
 * requests still waiting after a moment watch for a disconnect; one shared timer arms those watches (see
 * {@linkcode WatchQueue}) rather than a timer per request.
 */
class RequestLifetime {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  cause: "UT" | "DC" | undefined;
  readonly #timer?: ReturnType<typeof setTimeout>;
  /** When the watch is due (`performance.now()` time); 0 once it started or was stopped. */
  dueAt: number;
  #watching = false;
  readonly #req: Request;
  readonly #onClientGone = () => this.#end("DC");

  constructor(req: Request, timeoutMs: number | undefined, now: number) {
    this.#req = req;
    if (timeoutMs !== undefined) this.#timer = setTimeout(() => this.#end("UT"), timeoutMs);
    this.dueAt = now + DISCONNECT_WATCH_MS;
    WATCHES.add(this);
  }

  get hasTimer(): boolean {
    return this.#timer !== undefined;
  }

  /** Called by the watch queue once the request has waited {@linkcode DISCONNECT_WATCH_MS}. */
  startWatch(): void {
    this.#watching = true;
    const signal = this.#req.signal;
    if (signal.aborted) this.#end("DC");
    else signal.addEventListener("abort", this.#onClientGone, { once: true });
  }

  /** Response headers are in: a disconnect now shows as the client cancelling the body. */
  stopWatching(): void {
    if (this.dueAt !== 0) {
      this.dueAt = 0;
      WATCHES.cancelled();
    }
    if (this.#watching) {
      this.#watching = false;
      this.#req.signal.removeEventListener("abort", this.#onClientGone);
    }
  }

  /** The exchange is over: the route timeout no longer applies. */
  finish(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.stopWatching();
  }

  /** Waits `ms`, or less if the request ends meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.cause || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #end(cause: "UT" | "DC"): void {
    this.cause ??= cause;
    this.#controller.abort();
  }
}

/**
 * Pending disconnect watches in start order (so in due order), with one timer for the earliest due one. A
 * stopped watch stays queued (its `dueAt` is 0) until the timer passes it; the timer is not re-armed once no
 * pending watch is left, so an idle gateway holds no timer.
 */
class WatchQueue {
  #queue: (RequestLifetime | undefined)[] = [];
  #head = 0;
  /** Queued watches not stopped yet. */
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onTimer = () => this.#fire();

  add(life: RequestLifetime): void {
    this.#queue.push(life);
    this.#pending++;
    if (this.#timer === undefined) this.#timer = setTimeout(this.#onTimer, DISCONNECT_WATCH_MS);
  }

  /**
   * A queued watch was stopped before it was due. When none is left the queue empties; the timer is left to
   * fire once and find nothing, which is cheaper than clearing and re-arming it for every request.
   */
  cancelled(): void {
    if (--this.#pending > 0) return;
    this.#queue = [];
    this.#head = 0;
  }

  #fire(): void {
    this.#timer = undefined;
    const queue = this.#queue;
    const now = performance.now();
    let i = this.#head;
    for (; i < queue.length; i++) {
      const life = queue[i]!;
      if (life.dueAt === 0) {
        // Stopped: let go of it now (with its request), not when the passed part of the queue is cut off.
        queue[i] = undefined;
        continue;
      }
      if (life.dueAt > now) break;
      queue[i] = undefined;
      life.dueAt = 0;
      this.#pending--;
      life.startWatch(); // may end its request, and so empty the queue (see `cancelled`)
    }
    if (this.#queue === queue) {
      if (i === queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (i > 1024 && i * 2 > queue.length) {
        this.#queue = queue.slice(i);
        this.#head = 0;
      } else this.#head = i;
    }
    if (this.#timer !== undefined || this.#pending === 0) return;
    const rest = this.#queue;
    for (let j = this.#head; j < rest.length; j++) {
      const due = rest[j]?.dueAt ?? 0;
      if (due === 0) continue;
      this.#timer = setTimeout(this.#onTimer, Math.max(1, due - now));
      return;
    }
  }
}

const WATCHES = new WatchQueue();

/** Passes a body through and calls `done` with the bytes passed once when it ends, errors or is cancelled. */
function untilDone(
  body: ReadableStream<Uint8Array>,
  done: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let called = false;
  let bytes = 0;
  const finish = () => {
    if (!called) {
      called = true;
      done(bytes);
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: finished } = await reader.read();
        if (finished) {
          finish();
          controller.close();
        } else {
          bytes += value.length;
          controller.enqueue(value);
        }
      } catch (e) {
        finish();
        controller.error(e);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
