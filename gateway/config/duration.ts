/**
 * Go-style duration strings (`1h2m3.5s`, `250ms`, `10us`), as Kubernetes accepts for protobuf Durations: in
 * milliseconds for the data path, in whole nanoseconds for istiod's `ValidateDuration`.
 * @module
 */
import type { FieldPath } from "./diagnostics.ts";
import type { RuleContext } from "./kind.ts";

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a duration into milliseconds; `undefined` when the text is not a valid non-negative duration.
 * @example parseDuration("1m30s") // 90000
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return Number.isFinite(total) ? total : undefined;
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const NANOS_PART = /(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/y;

/**
 * A duration in whole nanoseconds, or undefined when malformed. Fraction digits past the 18th are ignored (Go's
 * `time.ParseDuration` stops reading them where they would overflow) and what remains below 1ns is truncated.
 * @example durationNanos("1.5ms") // 1_500_000n
 */
export function durationNanos(text: string): bigint | undefined {
  if (text === "0") return 0n;
  let total = 0n;
  NANOS_PART.lastIndex = 0;
  while (NANOS_PART.lastIndex < text.length) {
    const start = NANOS_PART.lastIndex;
    const m = NANOS_PART.exec(text);
    if (!m || m.index !== start || (m[1] === "" && !m[2])) return undefined;
    const unit = UNIT_NANOS[m[3]];
    const frac = (m[2] ?? "").slice(0, 18);
    total += BigInt(m[1] || "0") * unit + (BigInt(frac || "0") * unit) / 10n ** BigInt(frac.length);
  }
  return text === "" ? undefined : total;
}

/**
 * istiod's `agent.ValidateDuration`: at least 1ms and a whole number of milliseconds. Undefined for a missing or
 * malformed duration (the schema reports those).
 */
export function durationError(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const nanos = durationNanos(text);
  if (nanos === undefined) return undefined;
  if (nanos < 1_000_000n) return "duration must be greater than 1ms";
  if (nanos % 1_000_000n !== 0n) return "only durations to ms precision are supported";
  return undefined;
}

/** Reports {@link durationError} at `at`. */
export function validateDuration(text: string | undefined, at: FieldPath, ctx: RuleContext): void {
  const err = durationError(text);
  if (err) ctx.report(at, err);
}
