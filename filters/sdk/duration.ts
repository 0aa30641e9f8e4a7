// Durations in configurations, as Istio writes them ("1s", "500ms", "1m30s", "24h"), plus "d" for days.

function unitMillis(unit: string): f64 {
  if (unit == "ns") return 0.000001;
  if (unit == "us" || unit == "µs") return 0.001;
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60_000;
  if (unit == "h") return 3_600_000;
  if (unit == "d") return 86_400_000;
  return -1;
}

/** `text` in milliseconds (rounded down), or -1 when it is not a duration. */
export function parseDurationMillis(text: string): i64 {
  let total: f64 = 0;
  let at = 0;
  const n = text.length;
  if (n == 0) return -1;
  while (at < n) {
    const start = at;
    while (at < n) {
      const c = text.charCodeAt(at);
      if (!((c >= 0x30 && c <= 0x39) || c == 0x2e)) break;
      at++;
    }
    if (at == start) return -1;
    const value = parseFloat(text.substring(start, at));
    const unitStart = at;
    while (at < n) {
      const c = text.charCodeAt(at);
      if ((c >= 0x30 && c <= 0x39) || c == 0x2e) break;
      at++;
    }
    const factor = unitMillis(text.substring(unitStart, at));
    if (factor < 0 || isNaN(value)) return -1;
    total += value * factor;
  }
  return <i64>Math.floor(total);
}
