/**
 * VirtualService `mirror`/`mirrors`: fire-and-forget request mirroring (Envoy's router shadow policies).
 *
 * - Each mirror rolls its own percentage (`MirrorTarget.percentage`, 0-100; istiod turns it into a fraction
 *   per million). Envoy never shadows `CONNECT`; callers should skip upgrades too.
 * - The copy carries the primary's upstream headers (after route header rules) with the authority suffixed:
 *   `a.com:8080` → `a.com-shadow:8080`, `a.com` → `a.com-shadow` (Envoy `shadowAppendedHost`). The mirror's
 *   response is discarded, its errors are swallowed and counted; the client only ever sees the primary.
 * - Bodies: the primary's body is read at the primary's pace and each chunk is copied to every mirror. A
 *   mirror never slows the primary: a mirror that falls behind buffers up to a bound, and past it its copy is
 *   dropped (its upstream request is aborted), never the primary. Envoy differs here: with streaming shadows a
 *   slow shadow pushes back on the downstream through watermarks, and with buffered shadows the whole body is
 *   buffered and shadowing abandoned past the buffer limit (`retry_or_shadow_abandoned`).
 * - Envoy gives the shadow request the route timeout (none when the route has none): `timeoutMs`.
 * @module
 */
import type { HeaderList } from "../proxy/header_list.ts";
import type { MirrorTarget } from "../compile/types.ts";
import type { SendUpstream } from "../proxy/upstream.ts";

export type { SendUpstream };

/** Where a mirror copy goes: an endpoint of the mirror cluster (a `Target` from the endpoint picker fits). */
export interface MirrorEndpoint {
  readonly address: string;
  readonly port: number;
}

/** How a mirror copy ended. */
export type MirrorOutcome = "ok" | "failed" | "dropped";

/** Counters of mirror copies, for metrics. */
export class MirrorStats {
  /** Copies sent. */
  started = 0;
  /** Copies the mirror answered (any status). */
  succeeded = 0;
  /** Copies that failed (connection refused, reset, timeout). */
  failed = 0;
  /** Copies dropped because their body fell too far behind the primary, or the primary's body broke off. */
  dropped = 0;
}

/** The process-wide mirror counters `mirrorRequest` uses unless given others. */
export const mirrorStats: MirrorStats = new MirrorStats();

/** The default bound on body bytes a mirror may hold unread before its copy is dropped: 1 MiB. */
export const DEFAULT_MIRROR_BUFFER_BYTES = 1024 * 1024;

/**
 * The mirrors that get a copy of this request: each target is kept when a roll of `random` (called once per
 * target, in order) falls within its percentage.
 * @example planMirrors([{ cluster: "c", host: "h", percentage: 100 }], Math.random).length // 1
 */
export function planMirrors(
  targets: readonly MirrorTarget[],
  random: () => number = Math.random,
): MirrorTarget[] {
  const out: MirrorTarget[] = [];
  for (const t of targets) {
    const fraction = Math.trunc(t.percentage * 10_000);
    if (Math.floor(random() * 1_000_000) < fraction) out.push(t);
  }
  return out;
}

/**
 * The authority of a mirror copy: `-shadow` appended to the host, before any port (Envoy's rule: the port
 * starts at the last `:` unless it is inside an IPv6 `[...]`).
 * @example shadowAuthority("a.com:8080") // "a.com-shadow:8080"
 */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(":");
  const bracket = authority.lastIndexOf("]");
  if (colon < 0 || (bracket >= 0 && bracket > colon)) return `${authority}-shadow`;
  return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
}

/** The state of one mirror's copy of a teed body. */
interface Branch {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** `open` while copying; `done` once closed normally; `dropped` when cut off by the tee; `detached` by the sender. */
  state: "open" | "done" | "dropped" | "detached";
  /** Set by `mirrorRequest`: aborts the copy's upstream request when the tee drops it. */
  onDrop?: () => void;
}

const BRANCHES = new WeakMap<ReadableStream<Uint8Array>, Branch>();

/** Why a mirror's body copy stopped early. */
export class MirrorDropped extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MirrorDropped";
  }
}

/** Options of `teeRequestBody`. */
export interface TeeOptions {
  /** Unread bytes a mirror copy may hold before it is dropped. @default DEFAULT_MIRROR_BUFFER_BYTES */
  readonly maxBufferBytes?: number;
}

/** A request body split into the primary's stream and one copy per mirror. */
export interface TeedBody {
  readonly primary: ReadableStream<Uint8Array> | null;
  readonly mirrors: readonly (ReadableStream<Uint8Array> | null)[];
}

/**
 * Splits a request body for the primary and `mirrorCount` mirrors. The source is read only as fast as the
 * primary reads; each chunk is copied into every live mirror. A mirror whose unread bytes exceed
 * `maxBufferBytes` is errored with `MirrorDropped` (and its memory released); the primary is unaffected. If
 * the primary stops early (cancel) or the source fails, unfinished mirrors are dropped too, since their copy
 * can no longer be complete. A `null` body gives `null` everywhere.
 */
export function teeRequestBody(
  body: ReadableStream<Uint8Array> | null,
  mirrorCount: number,
  options: TeeOptions = {},
): TeedBody {
  if (body === null || mirrorCount === 0) {
    return { primary: body, mirrors: Array.from({ length: mirrorCount }, () => null) };
  }
  const limit = options.maxBufferBytes ?? DEFAULT_MIRROR_BUFFER_BYTES;
  const branches: Branch[] = [];
  const mirrors: ReadableStream<Uint8Array>[] = [];
  for (let i = 0; i < mirrorCount; i++) {
    let branch!: Branch;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        branch = { controller, state: "open" };
      },
      cancel() {
        if (branch.state === "open") branch.state = "detached";
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: limit }));
    branches.push(branch);
    mirrors.push(stream);
    BRANCHES.set(stream, branch);
  }
  const drop = (b: Branch, why: string) => {
    if (b.state !== "open") return;
    b.state = "dropped";
    b.controller.error(new MirrorDropped(why));
    // The sender may be blocked writing to a stalled socket, never reading again: abort it outright.
    b.onDrop?.();
  };
  const reader = body.getReader();
  const primary = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (e) {
        for (const b of branches) drop(b, "request body failed");
        controller.error(e);
        return;
      }
      if (result.done) {
        for (const b of branches) {
          if (b.state !== "open") continue;
          b.state = "done";
          b.controller.close();
        }
        controller.close();
        return;
      }
      const chunk = result.value;
      for (const b of branches) {
        if (b.state !== "open") continue;
        b.controller.enqueue(chunk.slice());
        if ((b.controller.desiredSize ?? 0) < 0) drop(b, "mirror fell behind the primary");
      }
      controller.enqueue(chunk);
    },
    cancel(reason) {
      for (const b of branches) drop(b, "primary stopped reading the request body");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { primary, mirrors };
}

/** Options of `mirrorRequest`. */
export interface MirrorOptions {
  /** Abort the copy after this long (Envoy uses the route timeout). @default none */
  readonly timeoutMs?: number;
  /** Counters to update. @default mirrorStats */
  readonly stats?: MirrorStats;
}

/**
 * Sends one mirror copy and discards the answer. `headers` are the primary's upstream headers (copied here,
 * with the `-shadow` authority); `body` is the mirror's stream from `teeRequestBody`. Never rejects: the
 * promise tells how the copy ended, for tests and logs; callers normally do not await it.
 */
export async function mirrorRequest(
  send: SendUpstream,
  target: MirrorEndpoint,
  method: string,
  path: string,
  headers: HeaderList,
  body?: ReadableStream<Uint8Array> | null,
  options: MirrorOptions = {},
): Promise<MirrorOutcome> {
  const stats = options.stats ?? mirrorStats;
  stats.started++;
  const copy = headers.clone();
  const host = copy.get("host");
  if (host) copy.setValid("host", shadowAuthority(host));
  const branch = body ? BRANCHES.get(body) : undefined;
  const dropped = new AbortController();
  if (branch) branch.onDrop = () => dropped.abort(new MirrorDropped("mirror fell behind the primary"));
  const signal = options.timeoutMs !== undefined
    ? AbortSignal.any([dropped.signal, AbortSignal.timeout(options.timeoutMs)])
    : dropped.signal;
  try {
    const res = await send({
      address: target.address,
      port: target.port,
      method,
      path,
      headers: copy,
      body: body ?? null,
      signal,
    });
    res.body?.cancel().catch(() => {});
    stats.succeeded++;
    return "ok";
  } catch {
    const wasDropped = branch?.state === "dropped";
    if (branch?.state === "open") {
      // Stop copying into a mirror that is gone, and free what it holds.
      branch.state = "detached";
      branch.controller.error(new MirrorDropped("mirror request ended"));
    }
    if (wasDropped) {
      stats.dropped++;
      return "dropped";
    }
    stats.failed++;
    return "failed";
  }
}
