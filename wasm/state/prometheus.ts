/**
 * Filter-defined metrics in the Prometheus text exposition format. Envoy keeps them in its `wasmcustom` stat
 * namespace and exports them under the filter's own name, without the `envoy_` prefix; names are sanitized
 * to `[a-zA-Z0-9_:]`.
 * @module
 */
import { MetricType } from "../abi/enums.ts";
import type { MetricStore } from "./metrics.ts";

/** `name` with every character Prometheus does not allow replaced by `_` (and no leading digit). */
export function prometheusName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** The store's metrics as Prometheus text (one `# TYPE` line per metric), ending with a newline if any. */
export function renderPrometheus(store: MetricStore): string {
  const lines: string[] = [];
  for (const metric of store.all()) {
    const name = prometheusName(metric.name);
    if (metric.type === MetricType.Histogram) {
      lines.push(`# TYPE ${name} histogram`);
      let cumulative = 0;
      for (let i = 0; i < metric.bounds.length; i++) {
        cumulative += metric.counts[i];
        lines.push(`${name}_bucket{le="${metric.bounds[i]}"} ${cumulative}`);
      }
      lines.push(`${name}_bucket{le="+Inf"} ${metric.count}`);
      lines.push(`${name}_sum ${metric.sum}`);
      lines.push(`${name}_count ${metric.count}`);
    } else {
      lines.push(`# TYPE ${name} ${metric.type === MetricType.Counter ? "counter" : "gauge"}`);
      lines.push(`${name} ${metric.value}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
