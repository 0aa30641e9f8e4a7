/**
 * Per-cluster request counters, named after Envoy's cluster statistics (`cluster.<name>.upstream_rq_*`), that
 * the router bumps as it forwards. Plain integer fields: counting costs nothing measurable per request.
 * @module
 */

/** Request counters of one upstream cluster. */
export class ClusterCounters {
  /** `upstream_rq_total`: attempts sent to an endpoint. */
  rqTotal = 0;
  /** `upstream_rq_completed`: attempts that got a response. */
  rqCompleted = 0;
  /** `upstream_rq_1xx` .. `upstream_rq_5xx`, by the response's class (index 1-5). */
  readonly rqByClass: number[] = [0, 0, 0, 0, 0, 0];
  /** `upstream_rq_retry`: retries sent. */
  rqRetry = 0;
  /** `upstream_rq_retry_success`: retries that ended the request with a response the policy accepted. */
  rqRetrySuccess = 0;
  /** `upstream_rq_retry_limit_exceeded`: requests that still wanted a retry when none were left. */
  rqRetryLimitExceeded = 0;
  /** `upstream_rq_timeout`: requests ended by the route timeout. */
  rqTimeout = 0;
  /** `upstream_rq_per_try_timeout`: attempts ended by the per-try timeout. */
  rqPerTryTimeout = 0;
  /** `upstream_cx_connect_fail`: attempts that could not connect. */
  cxConnectFail = 0;
  /** `upstream_rq_rx_reset`: attempts reset by the upstream before a response. */
  rqRxReset = 0;
  /** `upstream_rq_tx_reset`: attempts the gateway abandoned (client gone). */
  rqTxReset = 0;

  /** Counts a response of `status` to an attempt. */
  response(status: number): void {
    this.rqCompleted++;
    const c = (status / 100) | 0;
    if (c >= 1 && c <= 5) this.rqByClass[c]++;
  }
}
