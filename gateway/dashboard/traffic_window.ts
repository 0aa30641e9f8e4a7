/**
 * The dashboard's live traffic: finished requests counted per route, per upstream cluster and in total, over
 * the last minute. It is fed from the same per-request record as telemetry, and only while someone looks:
 * {@link TrafficWindow.watch} (each dashboard poll) turns recording on for a while, so a gateway nobody
 * watches pays one boolean check per request. The number of series is capped; once the cap is reached, idle
 * series make room and the rest of the traffic is counted as "other".
 * @module
 */
import type { RecordedRoute, RequestRecord } from "../telemetry/request_record.ts";
import { type SeriesPoints, SeriesWindow, WINDOW_SECONDS } from "./series_window.ts";

/** Options of a {@link TrafficWindow}. */
export interface TrafficWindowOptions {
  /** Most routes tracked one by one. @default 64 */
  readonly maxRoutes?: number;
  /** Most clusters tracked one by one. @default 64 */
  readonly maxClusters?: number;
  /** How long after the last {@link TrafficWindow.watch} requests are still recorded. @default 30000 */
  readonly watchMs?: number;
  /** The clock, in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Key of the series counting what did not fit under the cap. */
export const OTHER_KEY = "(other)";

/** The series key of a route: listener port, VirtualService, rule and match index. */
export function routeKey(port: number, route: RecordedRoute): string {
  return `${port} ${route.virtualService} ${route.rule}.${route.matchIndex ?? "*"}`;
}

/** The series key of the requests of a listener that matched no route. */
export function noRouteKey(port: number): string {
  return `${port} (no route)`;
}

/** A series with its key, as the dashboard data lists it. */
export interface KeyedSeries extends SeriesPoints {
  readonly key: string;
}

/** Everything the window holds, read at one instant. */
export interface TrafficView {
  /** Seconds per series. */
  readonly seconds: number;
  /** Epoch second of the last point. */
  readonly lastSecond: number;
  readonly total: SeriesPoints;
  readonly routes: KeyedSeries[];
  readonly clusters: KeyedSeries[];
}

/** A bounded set of series. */
class SeriesSet {
  readonly #max: number;
  readonly #byKey = new Map<string, SeriesWindow>();
  #other?: SeriesWindow;

  constructor(max: number) {
    this.#max = max;
  }

  /** The series of `key`, created while under the cap (or in place of an idle one), else "other". */
  get(key: string, second: number): SeriesWindow {
    const found = this.#byKey.get(key);
    if (found) return found;
    if (this.#byKey.size >= this.#max && !this.#evictIdle(second)) {
      return this.#other ??= new SeriesWindow();
    }
    const created = new SeriesWindow();
    this.#byKey.set(key, created);
    return created;
  }

  view(nowSecond: number): KeyedSeries[] {
    const out: KeyedSeries[] = [];
    for (const [key, series] of this.#byKey) out.push({ key, ...series.points(nowSecond) });
    if (this.#other) out.push({ key: OTHER_KEY, ...this.#other.points(nowSecond) });
    return out;
  }

  #evictIdle(second: number): boolean {
    for (const [key, series] of this.#byKey) {
      if (series.lastSecond <= second - WINDOW_SECONDS) {
        this.#byKey.delete(key);
        return true;
      }
    }
    return false;
  }
}

/** Requests per route, per cluster and in total over the last minute. */
export class TrafficWindow {
  readonly #now: () => number;
  readonly #watchMs: number;
  readonly #total = new SeriesWindow();
  readonly #routes: SeriesSet;
  readonly #clusters: SeriesSet;
  /** Route keys by compiled route object, so that a request does not build its key string. */
  readonly #routeKeys = new WeakMap<RecordedRoute, Map<number, string>>();
  readonly #noRouteKeys = new Map<number, string>();
  #watchedUntil = -Infinity;
  /** False once the watch ran out: then {@link active} answers without reading the clock. */
  #watching = false;

  constructor(options: TrafficWindowOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#watchMs = options.watchMs ?? 30_000;
    this.#routes = new SeriesSet(options.maxRoutes ?? 64);
    this.#clusters = new SeriesSet(options.maxClusters ?? 64);
  }

  /** True while requests are recorded: someone read the window recently. */
  get active(): boolean {
    if (!this.#watching) return false;
    if (this.#now() < this.#watchedUntil) return true;
    this.#watching = false;
    return false;
  }

  /** Keeps recording on for the next `watchMs` (each dashboard poll calls it). */
  watch(): void {
    this.#watchedUntil = this.#now() + this.#watchMs;
    this.#watching = true;
  }

  /** Counts one finished request (ignored while nobody watches). */
  record(rec: RequestRecord): void {
    if (!this.#watching) return;
    const now = this.#now();
    if (now >= this.#watchedUntil) return;
    const second = Math.floor(now / 1000);
    const duration = rec.durationMs;
    const serverError = rec.responseCode >= 500;
    this.#total.record(second, duration, serverError);
    const key = rec.route ? this.#keyOf(rec.listenerPort, rec.route) : this.#noRouteKey(rec.listenerPort);
    this.#routes.get(key, second).record(second, duration, serverError);
    if (rec.upstreamCluster !== undefined) {
      this.#clusters.get(rec.upstreamCluster, second).record(second, duration, serverError);
    }
  }

  /** The window up to the last complete second. */
  view(): TrafficView {
    const nowSecond = Math.floor(this.#now() / 1000);
    return {
      seconds: WINDOW_SECONDS,
      lastSecond: nowSecond - 1,
      total: this.#total.points(nowSecond),
      routes: this.#routes.view(nowSecond),
      clusters: this.#clusters.view(nowSecond),
    };
  }

  #keyOf(port: number, route: RecordedRoute): string {
    let byPort = this.#routeKeys.get(route);
    if (!byPort) this.#routeKeys.set(route, byPort = new Map());
    let key = byPort.get(port);
    if (key === undefined) byPort.set(port, key = routeKey(port, route));
    return key;
  }

  #noRouteKey(port: number): string {
    let key = this.#noRouteKeys.get(port);
    if (key === undefined) this.#noRouteKeys.set(port, key = noRouteKey(port));
    return key;
  }
}
