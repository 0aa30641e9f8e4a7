/**
 * `telemetry.istio.io` Telemetry: the schema of its spec (istio/api telemetry/v1alpha1 telemetry.proto and the
 * CRD's constraints). The webhook's rules are in telemetry_rules.ts.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../../kind.ts";
import { positiveDuration } from "../../schema/common.ts";
import {
  atMostOneOf,
  nonEmpty,
  nullableBool,
  oneSelectorKind,
  policySelector,
  targetReference,
  targetReferences,
} from "../policy_common.ts";
import { validateTelemetry } from "./telemetry_rules.ts";

const providerRef = z.strictObject({ name: nonEmpty() });
const providers = z.array(providerRef).optional();
const workloadMode = z.enum(["CLIENT_AND_SERVER", "CLIENT", "SERVER"]);
const workloadSelector = z.strictObject({ mode: workloadMode.optional() });

const customTag = z.strictObject({
  literal: z.strictObject({ value: nonEmpty() }).optional(),
  environment: z.strictObject({ name: nonEmpty(), defaultValue: z.string().optional() }).optional(),
  header: z.strictObject({ name: nonEmpty(), defaultValue: z.string().optional() }).optional(),
  formatter: z.strictObject({ value: nonEmpty() }).optional(),
}).superRefine(atMostOneOf(["literal", "environment", "header", "formatter"]));

const tracing = z.strictObject({
  match: workloadSelector.optional(),
  providers,
  randomSamplingPercentage: z.number().min(0, "should be greater than or equal to 0")
    .max(100, "should be less than or equal to 100").nullable().optional(),
  disableSpanReporting: nullableBool,
  customTags: z.record(z.string(), customTag).optional(),
  useRequestIdForTraceSampling: nullableBool,
  enableIstioTags: nullableBool,
  disableContextPropagation: nullableBool,
});

/** The standard Istio metrics a metrics override can select. */
export const ISTIO_METRICS = [
  "ALL_METRICS",
  "REQUEST_COUNT",
  "REQUEST_DURATION",
  "REQUEST_SIZE",
  "RESPONSE_SIZE",
  "TCP_OPENED_CONNECTIONS",
  "TCP_CLOSED_CONNECTIONS",
  "TCP_SENT_BYTES",
  "TCP_RECEIVED_BYTES",
  "GRPC_REQUEST_MESSAGES",
  "GRPC_RESPONSE_MESSAGES",
] as const;

const metricSelector = z.strictObject({
  metric: z.enum(ISTIO_METRICS).optional(),
  customMetric: nonEmpty().optional(),
  mode: workloadMode.optional(),
}).superRefine(atMostOneOf(["metric", "customMetric"]));

const tagOverride = z.strictObject({
  operation: z.enum(["UPSERT", "REMOVE"]).optional(),
  value: z.string().optional(),
}).superRefine((t, ctx) => {
  if (t.operation === "UPSERT" && !t.value) {
    ctx.addIssue({ code: "custom", message: "value must be set when operation is UPSERT" });
  }
  if (t.operation === "REMOVE" && t.value !== undefined) {
    ctx.addIssue({ code: "custom", message: "value must not be set when operation is REMOVE" });
  }
});

const metricsOverrides = z.strictObject({
  match: metricSelector.optional(),
  disabled: nullableBool,
  tagOverrides: z.record(z.string(), tagOverride).optional(),
});

const metrics = z.strictObject({
  providers,
  overrides: z.array(metricsOverrides).optional(),
  reportingInterval: positiveDuration.optional(),
});

const accessLogging = z.strictObject({
  match: workloadSelector.optional(),
  providers,
  disabled: nullableBool,
  filter: z.strictObject({ expression: z.string().optional() }).optional(),
});

const spec = z.strictObject({
  selector: policySelector.optional(),
  targetRef: targetReference.optional(),
  targetRefs: targetReferences.optional(),
  tracing: z.array(tracing).optional(),
  metrics: z.array(metrics).optional(),
  accessLogging: z.array(accessLogging).optional(),
}).superRefine(oneSelectorKind);

/** The Telemetry kind. */
export const telemetryKind = defineKind({
  kind: "Telemetry",
  group: "telemetry.istio.io",
  versions: ["v1", "v1alpha1"],
  schema: spec,
  specRequired: true,
  rules: validateTelemetry,
});

/** A Telemetry spec as validated. */
export type TelemetrySpec = z.output<typeof spec>;
/** One tracing configuration: providers, sampling, custom tags. */
export type Tracing = z.output<typeof tracing>;
/** A tracing custom tag: one of a literal, an environment variable, a request header or a formatter. */
export type CustomTag = z.output<typeof customTag>;
/** One metrics configuration: providers, overrides, reporting interval. */
export type Metrics = z.output<typeof metrics>;
/** An override of one or all metrics: disable it, or add, change or remove tags. */
export type MetricsOverrides = z.output<typeof metricsOverrides>;
/** One access logging configuration: providers, mode, disabled, filter. */
export type AccessLogging = z.output<typeof accessLogging>;
