// Timers: on_configure sets the tick period from the plugin configuration (milliseconds). Each tick counts
// in the "portcullis_test_ticks_total" counter and calls the "ticker" cluster; the response body is stored in
// shared data as "tick_body" (a failed call stores "failed").
import * as abi from "./lib/imports";
import {
  CALL_RESPONSE_BODY,
  defineMetric,
  getBufferString,
  httpCall,
  PLUGIN_CONFIGURATION,
  setSharedData,
} from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

let ticks: u32 = 0;

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_configure(context: u32, size: u32): u32 {
  ticks = defineMetric(0, "portcullis_test_ticks_total");
  const config = getBufferString(PLUGIN_CONFIGURATION, 0, size);
  abi.proxy_set_tick_period_milliseconds(config === null ? 0 : U32.parseInt(config));
  return 1;
}

export function proxy_on_tick(context: u32): void {
  abi.proxy_increment_metric(ticks, 1);
  httpCall("ticker", [":method", "POST", ":path", "/tick", ":authority", "ticker.local"], "tick", 500);
}

export function proxy_on_http_call_response(context: u32, token: u32, headers: u32, bodySize: u32, trailers: u32): void {
  if (headers == 0) {
    setSharedData("tick_body", "failed", 0);
    return;
  }
  const body = getBufferString(CALL_RESPONSE_BODY, 0, bodySize);
  setSharedData("tick_body", body === null ? "" : body, 0);
}
