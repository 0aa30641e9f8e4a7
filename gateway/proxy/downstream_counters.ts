/**
 * Envoy's HTTP connection manager request statistics for one listener (`http.<stat_prefix>.downstream_rq_*`):
 * requests received, in progress, and answered by status class. Istio names a gateway listener's prefix
 * `outbound_0.0.0.0_<port>`. Deno.serve does not expose connections, so there are no `downstream_cx_*` ones.
 * @module
 */

/** The request counters of one listener; kept across listener restarts, as Envoy keeps stats by name. */
export class DownstreamCounters {
  /** `downstream_rq_total`. */
  rqTotal = 0;
  /** `downstream_rq_active`: requests whose response head has not been produced yet. */
  rqActive = 0;
  /** `downstream_rq_1xx` .. `downstream_rq_5xx` at indices 1..5 (index 0: unused). */
  readonly rqByClass = [0, 0, 0, 0, 0, 0];

  /** A request arrived. */
  started(): void {
    this.rqTotal++;
    this.rqActive++;
  }

  /** Its response head is ready with `status` (0: the request failed without one). */
  answered(status: number): void {
    this.rqActive--;
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.rqByClass[cls]++;
  }
}

/** Istio's stat prefix of a gateway listener on `port`. */
export function gatewayStatPrefix(port: number): string {
  return `outbound_0.0.0.0_${port}`;
}
