/**
 * Filter-defined metrics in the Prometheus text exposition format. Envoy keeps them in its `wasmcustom` stat
 * namespace and exports them under the filter's own name, without the `envoy_` prefix; names are sanitized
 * to `[a-zA-Z0-9_:]`. Tags encoded in a name (`tag=.=value;.;name`, see `tagged_name.ts`) become labels, and
 * the metrics sharing a name are one family under one `# TYPE` line.
 * @module
 */
import { MetricType } from "../abi/enums.ts";
import type { Metric, MetricStore } from "./metrics.ts";
import { parseTaggedName } from "./tagged_name.ts";

/** `name` with every character Prometheus does not allow replaced by `_` (and no leading digit). */
export function prometheusName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/** A label value escaped for the text format. */
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** One metric of a family, with its labels rendered (`k="v",...`, empty for none). */
interface Member {
  readonly metric: Metric;
  readonly labels: string;
}

interface Family {
  readonly type: Metric["type"];
  readonly members: Member[];
}

/** The store's metrics grouped by exported name, in the order each name was first defined. */
function families(store: MetricStore): Map<string, Family> {
  const out = new Map<string, Family>();
  for (const metric of store.all()) {
    const tagged = parseTaggedName(metric.name);
    let name = prometheusName(tagged.base);
    let labels = tagged.tags.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",");
    const family = out.get(name);
    if (family !== undefined && family.type !== metric.type) {
      // The same name as another type: exported whole, as if it had no tags, so the family stays one type.
      name = prometheusName(metric.name);
      labels = "";
    }
    const target = out.get(name);
    if (target === undefined) out.set(name, { type: metric.type, members: [{ metric, labels }] });
    else if (target.type === metric.type) target.members.push({ metric, labels });
  }
  return out;
}

function withLabels(labels: string, extra?: string): string {
  const all = extra === undefined ? labels : labels === "" ? extra : `${labels},${extra}`;
  return all === "" ? "" : `{${all}}`;
}

/** The store's metrics as Prometheus text (one `# TYPE` line per family), ending with a newline if any. */
export function renderPrometheus(store: MetricStore): string {
  const lines: string[] = [];
  for (const [name, family] of families(store)) {
    if (family.type === MetricType.Histogram) lines.push(`# TYPE ${name} histogram`);
    else lines.push(`# TYPE ${name} ${family.type === MetricType.Counter ? "counter" : "gauge"}`);
    for (const { metric, labels } of family.members) {
      if (metric.type !== MetricType.Histogram) {
        lines.push(`${name}${withLabels(labels)} ${metric.value}`);
        continue;
      }
      let cumulative = 0;
      for (let i = 0; i < metric.bounds.length; i++) {
        cumulative += metric.counts[i];
        lines.push(`${name}_bucket${withLabels(labels, `le="${metric.bounds[i]}"`)} ${cumulative}`);
      }
      lines.push(`${name}_bucket${withLabels(labels, 'le="+Inf"')} ${metric.count}`);
      lines.push(`${name}_sum${withLabels(labels)} ${metric.sum}`);
      lines.push(`${name}_count${withLabels(labels)} ${metric.count}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
