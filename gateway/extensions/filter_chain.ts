/**
 * A request through a port's WasmPlugin chain, as Envoy's HTTP filter chain runs it before the router: request
 * headers through each plugin in order (a paused plugin is awaited; a local reply or a failed plugin answers
 * the client), the request body chunk by chunk when there is one, then the response headers and body through
 * the plugins in reverse order, and `complete()` once per stream when the response ends. A filter holding the
 * headers until it has the whole body (`awaitingBody`, a Lua script's `body()`: Envoy's StopIteration) gets
 * that body, through the filters before it, before the filters after it (then the upstream, or the client)
 * see the headers, so its later header edits reach them; those filters then get the body whole.
 * @module
 */
import { HeaderList } from "../proxy/header_list.ts";
import { requestFields } from "../proxy/request_fields.ts";
import type { StreamInfo } from "../proxy/stream_info.ts";
import { noteBodyBytes } from "../proxy/stream_info.ts";
import type { HttpFilterStream, LocalReply, StreamInfo as WasmStreamInfo } from "../../wasm/mod.ts";
// The VM code loads only with a plugin (plugin_instance.ts): these leaf modules are all the chain needs.
import { createFailedStream } from "../../wasm/runtime/failed_stream.ts";
import { requestHeaderMap, responseHeaderMap, takePseudoHeaders } from "../../wasm/headers/pseudo.ts";
import type { ChainSlot } from "./plugin_manager.ts";
import type { PluginInstance } from "./plugin_instance.ts";
import { localReplyFlag } from "./reply_flags.ts";
import { responseFlagBits } from "../telemetry/response_flags.ts";

/** How long a request waits for a plugin that is still loading before its failStrategy applies. */
export const LOAD_WAIT_MS = 10_000;

/** The request as the filters see it. */
export interface FilteredRequest {
  readonly req: Request;
  readonly remote: Deno.NetAddr;
  readonly authority: string;
  /** Path with query. */
  readonly fullPath: string;
  readonly scheme: string;
  readonly si: StreamInfo;
  /** The request's `x-request-id`, set in the filters' header map (replacing the client's). */
  readonly requestId?: string;
}

/** The rest of the request path after the filters: the (possibly rewritten) request; `reroute` when a filter cleared the route cache. */
export type NextStage = (
  req: Request,
  authority: string,
  fullPath: string,
  reroute: boolean,
) => Promise<Response>;

interface Active {
  readonly stream: HttpFilterStream;
  readonly instance?: PluginInstance;
}

const EMPTY = new Uint8Array(0);
/** Request bodies of known length up to this size pass the filters whole (the router's retry buffer limit). */
const WHOLE_BODY_MAX = 64 * 1024;
const ENCODER = new TextEncoder();

/** Runs `fr` through `chain` around `next`. */
export async function runFilterChain(
  chain: readonly ChainSlot[],
  fr: FilteredRequest,
  next: NextStage,
): Promise<Response> {
  const si = fr.si;
  const info = wasmInfo(fr);
  const active: Active[] = [];
  let completed = false;
  const complete = () => {
    if (completed) return;
    completed = true;
    for (const a of active) {
      a.stream.complete();
      a.instance?.released();
    }
  };
  try {
    // The fields as received (order and repeats kept), as Envoy hands them to its filters.
    const fields = new HeaderList(requestFields(fr.req));
    if (fr.requestId !== undefined) fields.setValid("x-request-id", fr.requestId);
    const map = requestHeaderMap(
      { method: fr.req.method, path: fr.fullPath, authority: fr.authority, scheme: fr.scheme },
      fields,
    );
    const endOfStream = fr.req.body === null;
    let body: ReadableStream<Uint8Array> | Uint8Array | null = fr.req.body;
    /** The first active filter the body has not gone through yet. */
    let bodyFrom = 0;
    for (const slot of chain) {
      const got = await acquire(slot, info);
      if (got === "skip") continue;
      if (got === "deny") return finishLocal(rbacDenied(si), info, complete);
      active.push(got);
      let r = got.stream.onRequestHeaders(map, endOfStream);
      if (r.action === "pause") r = await r.resumed;
      if (r.action === "reply") return finishLocal(filterReply(r.reply, si), info, complete);
      if (r.action === "reset") return finishLocal(Response.error(), info, complete);
      if (body !== null && got.stream.awaitingBody) {
        const held = await wholeThrough(body, active.slice(bodyFrom), "request");
        if (!(held instanceof Uint8Array)) return finishLocal(requestBodyStopped(held, si), info, complete);
        body = held;
        bodyFrom = active.length;
      }
    }
    if (active.length === 0) {
      complete();
      return await next(fr.req, fr.authority, fr.fullPath, false);
    }
    let bodyReply: LocalReply | "reset" | undefined;
    if (body !== null) {
      // A small body of known length goes upstream whole, with the length the filters left it at, so the
      // router can still send it in one write and replay it on a retry; others stream, chunked. A body a
      // filter held the headers for (a Lua script's `body()`) is whole already and stays so.
      const declared = Number(map.get("content-length") ?? NaN);
      if (body instanceof Uint8Array || declared <= WHOLE_BODY_MAX) {
        const whole = await wholeThrough(body, active.slice(bodyFrom), "request");
        if (!(whole instanceof Uint8Array)) return finishLocal(requestBodyStopped(whole, si), info, complete);
        body = whole;
      } else {
        body = filterBody(body, active.slice(bodyFrom), "request", (reply) => bodyReply = reply);
      }
    }
    // The filters keep their map whole (pseudo-headers included) for later callbacks and `on_log`, as in Envoy.
    const upstreamFields = map.clone();
    const pseudo = takePseudoHeaders(upstreamFields);
    const authority = pseudo[":authority"] ?? fr.authority;
    const fullPath = pseudo[":path"] ?? fr.fullPath;
    const headers = upstreamFields.toHeaders();
    headers.set("host", authority);
    if (body instanceof Uint8Array) headers.set("content-length", String(body.length));
    else if (body !== null) headers.delete("content-length");
    const req = new Request(`${fr.scheme}://${authority}${fullPath}`, {
      method: pseudo[":method"] ?? fr.req.method,
      headers,
      body: body as BodyInit | null,
    });
    const reroute = active.some((a) => a.stream.routeCacheCleared);
    const res = await next(req, authority, fullPath, reroute);
    if (bodyReply) {
      await res.body?.cancel().catch(() => {});
      si.flags = "";
      return finishLocal(stoppedBody(bodyReply, si), info, complete);
    }
    return await filterResponse(res, active, info, si, complete);
  } catch (e) {
    complete();
    throw e;
  }
}

/** The stream of a slot's serving instance, or what to do without one (per failStrategy). */
async function acquire(slot: ChainSlot, info: WasmStreamInfo): Promise<Active | "skip" | "deny"> {
  let inst = serving(slot);
  if (!inst && slot.instance.state === "loading") {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      slot.instance.settled,
      new Promise<void>((resolve) => timer = setTimeout(resolve, LOAD_WAIT_MS)),
    ]);
    clearTimeout(timer);
    inst = serving(slot);
  }
  if (inst) return { stream: inst.createStream(info), instance: inst };
  if (slot.spec.failStrategy === "FAIL_OPEN") return "skip";
  // A module that could not be fetched: Istio's agent puts a deny-all RBAC filter in its place.
  if (slot.instance.fetchFailed) return "deny";
  return { stream: createFailedStream({ name: slot.spec.name, failStrategy: "FAIL_CLOSE" }, info) };
}

function serving(slot: ChainSlot): PluginInstance | undefined {
  if (slot.instance.state === "ready" && slot.instance.plugin) return slot.instance;
  const previous = slot.previous;
  return previous?.state === "ready" && previous.plugin ? previous : undefined;
}

/**
 * The host's view of the request: peers, times, route and cluster, the response code once known, and the
 * response flags (`response.flags`, Envoy's bits) and code details as the data path sets them.
 */
function wasmInfo(fr: FilteredRequest): WasmStreamInfo {
  const si = fr.si;
  return {
    source: { address: fr.remote.hostname, port: fr.remote.port },
    request: { startTime: si.startTime, protocol: "HTTP/1.1" },
    response: {
      get flags() {
        return Number(responseFlagBits(si.flags));
      },
      get codeDetails() {
        return si.details === "" ? undefined : si.details;
      },
    },
    get routeName() {
      return si.routeName;
    },
    get clusterName() {
      return si.cluster?.name;
    },
    get upstream() {
      const e = si.endpoint;
      return e ? { address: e.address, port: e.port } : undefined;
    },
  };
}

/** Envoy's RBAC deny, which Istio installs for a FAIL_CLOSE plugin whose module could not be fetched. */
function rbacDenied(si: StreamInfo): Response {
  si.details = "rbac_access_denied_matched_policy[none]";
  return textReply(403, "RBAC: access denied", new HeaderList());
}

/** A filter's local reply as the client's response. */
function filterReply(reply: LocalReply, si: StreamInfo): Response {
  si.details = reply.details;
  const flag = localReplyFlag(reply.details);
  if (flag !== undefined) si.addFlag(flag);
  const headers = reply.headers.clone();
  const res = new Response(reply.body.length > 0 ? reply.body as Uint8Array<ArrayBuffer> : null, {
    status: reply.status,
  });
  if (reply.body.length > 0 && !headers.has("content-type")) headers.setValid("content-type", "text/plain");
  headers.forEach((v, n) => res.headers.append(n, v));
  res.headers.set("server", "istio-envoy");
  return noteBodyBytes(res, reply.body.length);
}

/** What the client gets when a filter stopped the request body: its local reply, or a reset. */
function stoppedBody(reply: LocalReply | "reset", si: StreamInfo): Response {
  return reply === "reset" ? Response.error() : filterReply(reply, si);
}

/** What the client gets when its request body did not get through the filters whole (undefined: it left). */
function requestBodyStopped(stopped: LocalReply | "reset" | undefined, si: StreamInfo): Response {
  if (stopped !== undefined) return stoppedBody(stopped, si);
  si.addFlag("DC");
  return textReply(499, "client disconnected", new HeaderList());
}

function textReply(status: number, body: string, headers: HeaderList): Response {
  const bytes = ENCODER.encode(body);
  const res = new Response(bytes, { status });
  headers.forEach((v, n) => res.headers.append(n, v));
  res.headers.set("content-type", "text/plain");
  res.headers.set("server", "istio-envoy");
  return noteBodyBytes(res, bytes.length);
}

function finishLocal(res: Response, info: WasmStreamInfo, complete: () => void): Response {
  info.response!.code = res.status;
  complete();
  return res;
}

/** Response headers and body through the plugins in reverse order; `complete` once the body ends. */
async function filterResponse(
  res: Response,
  active: readonly Active[],
  info: WasmStreamInfo,
  si: StreamInfo,
  complete: () => void,
): Promise<Response> {
  info.response!.code = res.status;
  const map = responseHeaderMap(res.status, HeaderList.from(res.headers));
  const endOfStream = res.body === null;
  let body: ReadableStream<Uint8Array> | Uint8Array | null = res.body;
  /** The filters from 0 to this one have not had the body yet (responses go through them in reverse). */
  let bodyUpTo = active.length - 1;
  for (let i = active.length - 1; i >= 0; i--) {
    const stream = active[i].stream;
    let r = stream.onResponseHeaders(map, endOfStream);
    if (r.action === "pause") r = await r.resumed;
    if (r.action !== "continue") {
      await res.body?.cancel().catch(() => {});
      if (r.action === "reset") return finishLocal(Response.error(), info, complete);
      return finishLocal(filterReply(r.reply, si), info, complete);
    }
    // The filter holds the headers for the whole body (a Lua script's `body()`): it gets it before the filters
    // after it (and the client) see them.
    if (body !== null && stream.awaitingBody) {
      const held = await wholeThrough(body, active.slice(i, bodyUpTo + 1), "response");
      if (!(held instanceof Uint8Array)) return finishLocal(responseBodyStopped(held, si), info, complete);
      body = held;
      bodyUpTo = i - 1;
    }
  }
  if (body instanceof Uint8Array) {
    const whole = await wholeThrough(body, active.slice(0, bodyUpTo + 1), "response");
    if (!(whole instanceof Uint8Array)) return finishLocal(responseBodyStopped(whole, si), info, complete);
    body = whole;
  } else if (body !== null) {
    body = filterBody(body, active.slice(0, bodyUpTo + 1), "response", undefined, complete);
  }
  const sent = map.clone();
  const status = Number(takePseudoHeaders(sent)[":status"] ?? res.status);
  if (body instanceof Uint8Array) sent.delete("content-length");
  const out = new Response(body as BodyInit | null, {
    status: Number.isInteger(status) ? status : res.status,
  });
  sent.forEach((v, n) => out.headers.append(n, v));
  out.headers.set("server", "istio-envoy");
  info.response!.code = out.status;
  if (!(body instanceof ReadableStream)) complete();
  return out;
}

/** What the client gets when the response body did not get through the filters whole (undefined: it failed). */
function responseBodyStopped(stopped: LocalReply | "reset" | undefined, si: StreamInfo): Response {
  return stopped === undefined ? Response.error() : stoppedBody(stopped, si);
}

/** All of a filtered body in one buffer; undefined when it failed (a filter stopped it, or the client left). */
async function collect(body: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    return await new Response(body).bytes();
  } catch {
    return undefined;
  }
}

/**
 * `body` through `filters` whole (request: in order; response: reverse order): a streamed one chunk by chunk
 * and collected, a buffered one in a single call that ends the body. The filters' result, their local reply
 * or reset, or undefined when the body failed (the client or the upstream went away).
 */
async function wholeThrough(
  body: ReadableStream<Uint8Array> | Uint8Array,
  filters: readonly Active[],
  direction: "request" | "response",
): Promise<Uint8Array | LocalReply | "reset" | undefined> {
  if (body instanceof Uint8Array) {
    return filters.length === 0 ? body : await passChunk(inOrder(filters, direction), direction, body, true);
  }
  let stopped: LocalReply | "reset" | undefined;
  const whole = await collect(filterBody(body, filters, direction, (reply) => stopped = reply));
  return stopped ?? whole;
}

/** The filters in the order `direction` goes through them. */
function inOrder(filters: readonly Active[], direction: "request" | "response"): readonly Active[] {
  return direction === "request" ? filters : [...filters].reverse();
}

/**
 * One chunk through the streams in `order`: the data the last one passed on (empty while one buffers), or the
 * local reply or reset that stopped it.
 */
async function passChunk(
  order: readonly Active[],
  direction: "request" | "response",
  chunk: Uint8Array,
  last: boolean,
): Promise<Uint8Array | LocalReply | "reset"> {
  let data = chunk;
  for (const a of order) {
    let b = direction === "request"
      ? a.stream.onRequestBody(data, last)
      : a.stream.onResponseBody(data, last);
    if (b.action === "buffer") return EMPTY;
    if (b.action === "pause") b = await b.resumed;
    if (b.action === "reply") return b.reply;
    if (b.action === "reset") return "reset";
    data = b.data;
  }
  return data;
}

/**
 * A body passed chunk by chunk through the streams (request: in order; response: reverse order). A plugin
 * that buffers holds the data back from the ones after it until it lets it go; a reply or reset by a filter is
 * handed to `onReply` and ends the body with an error (so the upstream body fails too).
 */
function filterBody(
  source: ReadableStream<Uint8Array>,
  active: readonly Active[],
  direction: "request" | "response",
  onReply?: (reply: LocalReply | "reset") => void,
  onEnd?: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const order = inOrder(active, direction);
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      onEnd?.();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // A pull that enqueues nothing is not called again: read on while the filters hold the data back.
        for (;;) {
          const { value, done } = await reader.read();
          const out = await passChunk(order, direction, done ? EMPTY : value, done);
          if (!(out instanceof Uint8Array)) {
            onReply?.(out);
            break;
          }
          if (out.length > 0) controller.enqueue(out);
          if (done) {
            controller.close();
            end();
          }
          if (out.length > 0 || done) return;
        }
        await reader.cancel().catch(() => {});
        controller.error(new Error(`${direction} body stopped by a Wasm filter`));
        end();
      } catch (e) {
        controller.error(e);
        end();
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
