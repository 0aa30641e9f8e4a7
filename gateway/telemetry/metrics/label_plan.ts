/**
 * How each standard metric is labelled once the Telemetry overrides apply (istio_stats' drop, tag removal,
 * tag override and tag addition): per metric, the ordered labels and where each value comes from (a standard
 * tag, or a CEL expression evaluated per request).
 * @module
 */
import { type CelExpression, compileCel } from "../cel/mod.ts";
import type { MetricsSettings } from "../resolve/settings.ts";
import { STANDARD_TAGS } from "./standard_tags.ts";

/** The Telemetry API names of the HTTP metrics and their Prometheus names. */
export const HTTP_METRICS = {
  REQUEST_COUNT: "istio_requests_total",
  REQUEST_DURATION: "istio_request_duration_milliseconds",
  REQUEST_SIZE: "istio_request_bytes",
  RESPONSE_SIZE: "istio_response_bytes",
} as const;

/** A Telemetry API metric name of an HTTP metric. */
export type HttpMetric = keyof typeof HTTP_METRICS;

/** One output label: from the standard tag at `std`, or from the expression at `expr`. */
export type LabelSource = { readonly name: string; readonly std: number } | {
  readonly name: string;
  readonly expr: number;
};

/** The labelling of one metric; undefined labels means the metric is dropped. */
export interface MetricPlan {
  readonly labels?: readonly LabelSource[];
}

/** Plans for every HTTP metric plus the expressions they evaluate. */
export interface LabelPlans {
  readonly metrics: Readonly<Record<HttpMetric, MetricPlan>>;
  readonly expressions: readonly CelExpression[];
  /** Overrides that could not be applied. */
  readonly warnings: readonly string[];
}

const STANDARD_INDEX = new Map<string, number>(STANDARD_TAGS.map((t, i) => [t, i]));

/** Compiles the overrides of `settings` into label plans. */
export function buildLabelPlans(settings: MetricsSettings): LabelPlans {
  const expressions: CelExpression[] = [];
  const exprIndex = new Map<string, number>();
  const warnings: string[] = [];
  const expression = (text: string): number | undefined => {
    const known = exprIndex.get(text);
    if (known !== undefined) return known;
    const compiled = compileCel(text);
    if ("error" in compiled) {
      warnings.push(`tag value ${JSON.stringify(text)} is not supported (${compiled.error})`);
      return undefined;
    }
    expressions.push(compiled);
    exprIndex.set(text, expressions.length - 1);
    return expressions.length - 1;
  };
  const metrics = {} as Record<HttpMetric, MetricPlan>;
  for (const metric of Object.keys(HTTP_METRICS) as HttpMetric[]) {
    const override = settings.overrides.find((o) => o.metric === metric);
    if (override?.disabled) {
      metrics[metric] = {};
      continue;
    }
    const labels: (LabelSource | undefined)[] = STANDARD_TAGS.map((name, std) => ({ name, std }));
    const added: LabelSource[] = [];
    for (const tag of override?.tags ?? []) {
      const std = STANDARD_INDEX.get(tag.name);
      if (tag.remove) {
        // istio_stats ignores the removal of a tag that is not standard.
        if (std !== undefined) labels[std] = undefined;
        continue;
      }
      const expr = expression(tag.value);
      if (std !== undefined) {
        // A standard tag whose expression does not parse is dropped, as istio_stats does.
        labels[std] = expr === undefined ? undefined : { name: tag.name, expr };
      } else if (expr !== undefined) {
        added.push({ name: tag.name, expr });
      }
    }
    metrics[metric] = { labels: [...labels.filter((l): l is LabelSource => l !== undefined), ...added] };
  }
  return { metrics, expressions, warnings };
}
