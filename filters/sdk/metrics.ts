// Metrics the gateway exports on /stats/prometheus (Envoy's `wasmcustom` namespace: the name as given).
import * as abi from "./imports";
import { ptr, RET_EXTRA, utf8 } from "./memory";

const COUNTER: i32 = 0;
const GAUGE: i32 = 1;
const HISTOGRAM: i32 = 2;

function define(type: i32, name: string): u32 {
  const n = utf8(name);
  if (abi.proxy_define_metric(type, ptr(n), n.byteLength, RET_EXTRA) != 0) return 0;
  return load<u32>(RET_EXTRA);
}

function read(id: u32): u64 {
  if (abi.proxy_get_metric(id, RET_EXTRA) != 0) return 0;
  return load<u64>(RET_EXTRA);
}

/** A counter: only goes up. The same name in any VM is the same counter. */
export class Counter {
  readonly id: u32;
  constructor(public readonly name: string) {
    this.id = define(COUNTER, name);
  }

  /** Adds `delta` (not negative). */
  increment(delta: i64 = 1): void {
    abi.proxy_increment_metric(this.id, delta);
  }

  /** The current value. */
  value(): u64 {
    return read(this.id);
  }
}

/** A gauge: a value set or moved either way. */
export class Gauge {
  readonly id: u32;
  constructor(public readonly name: string) {
    this.id = define(GAUGE, name);
  }

  /** Sets the value. */
  set(value: u64): void {
    abi.proxy_record_metric(this.id, value);
  }

  /** Moves the value by `delta` (may be negative). */
  add(delta: i64): void {
    abi.proxy_increment_metric(this.id, delta);
  }

  /** The current value. */
  value(): u64 {
    return read(this.id);
  }
}

/** A histogram of recorded values (Envoy's default buckets). */
export class Histogram {
  readonly id: u32;
  constructor(public readonly name: string) {
    this.id = define(HISTOGRAM, name);
  }

  /** Records one value. */
  record(value: u64): void {
    abi.proxy_record_metric(this.id, value);
  }
}
