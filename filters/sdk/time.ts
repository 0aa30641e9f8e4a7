// The host's clock (a test host may fake it).
import { proxy_get_current_time_nanoseconds } from "./imports";
import { RET_EXTRA } from "./memory";

/** Wall-clock time in nanoseconds since the epoch. */
export function nowNanos(): u64 {
  proxy_get_current_time_nanoseconds(RET_EXTRA);
  return load<u64>(RET_EXTRA);
}

/** Wall-clock time in milliseconds since the epoch. */
export function nowMillis(): u64 {
  return nowNanos() / 1_000_000;
}
