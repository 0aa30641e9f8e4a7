// Metrics, shared data, properties and logging (interfaces `metrics`, `shared-data`, `properties`, `log`).
import * as abi from "./imports";
import { ptr, RET, takeBytes, utf8 } from "./memory";

/** The kind of a metric. */
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

/** A metric defined with the host; a failed definition gives a metric whose updates do nothing. */
export class Metric {
  private constructor(private id: i64) {}

  /** Metric `name` of type `kind` (the same name gives the same metric). */
  static define(kind: MetricType, name: string): Metric {
    const n = utf8(name);
    abi.metric_define(kind, ptr(n), n.byteLength, RET);
    return new Metric(load<u8>(RET) == 0 ? -1 : <i64>load<u32>(RET + 4));
  }

  /** Whether the host accepted the definition. */
  get defined(): bool {
    return this.id >= 0;
  }

  /** Adds `delta` (a counter only grows). */
  increment(delta: i64 = 1): void {
    if (this.id >= 0) abi.metric_increment(<u32>this.id, delta);
  }

  /** Sets a gauge or records a histogram sample. */
  record(value: u64): void {
    if (this.id >= 0) abi.metric_record(<u32>this.id, value);
  }
}

/** A shared value and its version. */
export class SharedEntry {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

/** The shared value of `key`, or null. */
export function sharedGet(key: string): SharedEntry | null {
  const k = utf8(key);
  abi.shared_get(ptr(k), k.byteLength, RET);
  if (load<u8>(RET) == 0) return null;
  const value = takeBytes(load<u32>(RET + 4), load<u32>(RET + 8));
  return new SharedEntry(value, load<u32>(RET + 12));
}

/** Stores `value` if `cas` is 0 or the key's current version; false on a version mismatch. */
export function sharedSet(key: string, value: ArrayBuffer, cas: u32 = 0): bool {
  const k = utf8(key);
  return abi.shared_set(ptr(k), k.byteLength, ptr(value), value.byteLength, cas) != 0;
}

/** The property at `path` in Envoy's encoding, or null. */
export function getProperty(path: Array<string>): ArrayBuffer | null {
  const n = path.length;
  const list = new ArrayBuffer(n * 8);
  const parts = new Array<ArrayBuffer>(n);
  for (let i = 0; i < n; i++) {
    parts[i] = utf8(path[i]);
    store<u32>(ptr(list) + i * 8, <u32>ptr(parts[i]));
    store<u32>(ptr(list) + i * 8 + 4, parts[i].byteLength);
  }
  abi.property_get(ptr(list), n, RET);
  if (load<u8>(RET) == 0) return null;
  return takeBytes(load<u32>(RET + 4), load<u32>(RET + 8));
}

/** The string property at `path`, or null. */
export function getPropertyString(path: Array<string>): string | null {
  const bytes = getProperty(path);
  return bytes === null ? null : String.UTF8.decode(bytes);
}

/** Log levels. */
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}

/** Writes `message` to the gateway's `wasm` log at `level`. */
export function log(level: LogLevel, message: string): void {
  const m = utf8(message);
  abi.log_write(level, ptr(m), m.byteLength);
}
