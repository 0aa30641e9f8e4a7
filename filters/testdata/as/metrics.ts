// Metrics: a counter of requests, a gauge of active streams (+1 on request headers, -1 on done) and a
// histogram of request body sizes. x-requests reports the counter through get_metric; x-negative-status is
// the status of decrementing the counter (BAD_ARGUMENT), x-histogram-get-status that of reading the histogram.
import * as abi from "./lib/imports";
import { addHeader, defineMetric, getMetric, lastStatus, REQUEST_HEADERS } from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

let requests: u32 = 0;
let active: u32 = 0;
let bodyBytes: u32 = 0;

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_vm_start(context: u32, size: u32): u32 {
  requests = defineMetric(0, "portcullis_test_requests_total");
  active = defineMetric(1, "portcullis_test_active_streams");
  bodyBytes = defineMetric(2, "portcullis_test_request_body_bytes");
  return 1;
}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  abi.proxy_increment_metric(requests, 1);
  abi.proxy_increment_metric(active, 1);
  addHeader(REQUEST_HEADERS, "x-requests", getMetric(requests).toString());
  addHeader(REQUEST_HEADERS, "x-negative-status", abi.proxy_increment_metric(requests, -1).toString());
  getMetric(bodyBytes);
  addHeader(REQUEST_HEADERS, "x-histogram-get-status", lastStatus.toString());
  return 0;
}

export function proxy_on_request_body(context: u32, size: u32, endOfStream: u32): u32 {
  if (!endOfStream) return 1;
  abi.proxy_record_metric(bodyBytes, size);
  return 0;
}

export function proxy_on_done(context: u32): u32 {
  abi.proxy_increment_metric(active, -1);
  return 1;
}
