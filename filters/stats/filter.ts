// stats: Istio's standard HTTP metrics from a filter, as Istio's Wasm stats plugin made them: a request counter and
// histograms of duration and body sizes, labelled with Istio's standard tags as far as properties give them, plus
// dimensions from properties and headers (`metrics[].dimensions`, `tags_to_remove`, `drop`). Recorded in on_log.
// Series are metric names carrying Istio's tag fields (`tag=.=value;.;name`), which the gateway exports as labels;
// each metric keeps at most `max_series` of them, then counts new label sets in one series labelled `other`.
// See README.md.
import {
  Action,
  Attribute,
  attributeError,
  Counter,
  getPropertyInt,
  getPropertyString,
  Histogram,
  JsonValue,
  jsonError,
  log,
  nowNanos,
  parseJson,
  pluginName,
  registerFilter,
  request,
  response,
  responseFlagsText,
  RootContext,
  StreamContext,
} from "@portcullis/filter-sdk";

/** Istio's standard tags, in the order its series are labelled. */
const STANDARD_TAGS: string[] = [
  "reporter",
  "source_workload",
  "source_workload_namespace",
  "source_principal",
  "source_app",
  "source_version",
  "source_canonical_service",
  "source_canonical_revision",
  "source_cluster",
  "destination_workload",
  "destination_workload_namespace",
  "destination_principal",
  "destination_app",
  "destination_version",
  "destination_service",
  "destination_service_name",
  "destination_service_namespace",
  "destination_canonical_service",
  "destination_canonical_revision",
  "destination_cluster",
  "request_protocol",
  "response_code",
  "grpc_response_status",
  "response_flags",
  "connection_security_policy",
];
const DESTINATION_SERVICE = 14;
const DESTINATION_SERVICE_NAME = 15;
const DESTINATION_SERVICE_NAMESPACE = 16;
const REQUEST_PROTOCOL = 20;
const RESPONSE_CODE = 21;
const GRPC_RESPONSE_STATUS = 22;
const RESPONSE_FLAGS = 23;

/** The metrics, as Istio's stats configuration names them (after the prefix) and as the Telemetry API does. */
const METRIC_NAMES: string[] = ["requests_total", "request_duration_milliseconds", "request_bytes", "response_bytes"];
const TELEMETRY_NAMES: string[] = ["REQUEST_COUNT", "REQUEST_DURATION", "REQUEST_SIZE", "RESPONSE_SIZE"];
const REQUESTS = 0;
const DURATION = 1;
const REQUEST_BYTES = 2;
const RESPONSE_BYTES = 3;

/** Standard tags read per request; the others are the same for every request (the gateway's identity, or unknown). */
const PER_REQUEST_TAGS: i32[] = [
  DESTINATION_SERVICE,
  DESTINATION_SERVICE_NAME,
  DESTINATION_SERVICE_NAMESPACE,
  REQUEST_PROTOCOL,
  RESPONSE_CODE,
  GRPC_RESPONSE_STATUS,
  RESPONSE_FLAGS,
];

const UNKNOWN = "unknown";
const OVERFLOW = "other";
/** Longest label value kept; longer ones are cut. */
const MAX_VALUE_LENGTH = 256;

function fail(message: string): bool {
  log.error("stats: " + message);
  return false;
}

function isLabelName(s: string): bool {
  if (s.length == 0 || s == "le" || s.startsWith("__")) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** `n` copies of `value`. */
function filled(n: i32, value: string): string[] {
  const out = new Array<string>();
  for (let i = 0; i < n; i++) out.push(value);
  return out;
}

/** A label value as a tag field can hold it: cut to MAX_VALUE_LENGTH, without the field separator. */
function fieldValue(v: string): string {
  const cut = v.length > MAX_VALUE_LENGTH ? v.substring(0, MAX_VALUE_LENGTH) : v;
  return cut.includes(";.;") ? cut.replaceAll(";.;", ";_;") : cut;
}

/** Envoy's `Grpc::Utility::httpToGrpcStatus`, for a gRPC response without a status. */
function grpcStatusOfHttp(code: i64): string {
  if (code == 400) return "13";
  if (code == 401) return "16";
  if (code == 403) return "7";
  if (code == 404) return "12";
  if (code == 429 || code == 502 || code == 503 || code == 504) return "14";
  return "2";
}

/** A request's gRPC-ness by content type, as Envoy tells it. */
function isGrpc(): bool {
  const ct = request.headers.get("content-type");
  if (ct === null || !ct.startsWith("application/grpc")) return false;
  return ct.length == 16 || ct.charAt(16) == "+" || ct.charAt(16) == ";";
}

/** Which labels one metric gets, and from which slot of the per-request values. */
class MetricPlan {
  labels: string[] = STANDARD_TAGS.slice(0);
  sources: i32[] = new Array<i32>();
  dropped: bool = false;

  constructor() {
    for (let i = 0; i < STANDARD_TAGS.length; i++) this.sources.push(i);
  }

  sameLabels(other: MetricPlan): bool {
    if (other.labels.length != this.labels.length) return false;
    for (let i = 0; i < this.labels.length; i++) {
      if (other.labels[i] != this.labels[i] || other.sources[i] != this.sources[i]) return false;
    }
    return true;
  }
}

/** The metrics of one label set. */
class Series {
  requests: Counter | null = null;
  duration: Histogram | null = null;
  requestBytes: Histogram | null = null;
  responseBytes: Histogram | null = null;
}

/** Metrics with the same labels, whose series are found by one key per request. */
class LabelGroup {
  metrics: i32[] = new Array<i32>();
  /** The value slots that change per request; the key joins their values. */
  varying: i32[] = new Array<i32>();
  keyParts: string[] = new Array<string>();
  series: Map<string, Series> = new Map<string, Series>();
  overflow: Series | null = null;

  constructor(public plan: MetricPlan, constant: bool[]) {
    for (let i = 0; i < plan.sources.length; i++) {
      const slot = plan.sources[i];
      if (slot < constant.length && constant[slot]) continue;
      this.varying.push(slot);
      this.keyParts.push("");
    }
  }

  /** The current request's label set, as a map key: the varying values, NUL-separated (no header holds NUL). */
  key(values: string[]): string {
    for (let i = 0; i < this.varying.length; i++) this.keyParts[i] = values[this.varying[i]];
    return this.keyParts.join("\0");
  }

  /** The tag fields (`label=.=value;.;…`) of `values`, which go before a metric's name. */
  fields(values: string[]): string {
    const parts = new Array<string>();
    const labels = this.plan.labels;
    for (let i = 0; i < labels.length; i++) {
      parts.push(labels[i]);
      parts.push("=.=");
      parts.push(values[this.plan.sources[i]]);
      parts.push(";.;");
    }
    return parts.join("");
  }
}

class StatsRoot extends RootContext {
  prefix: string = "";
  maxSeries: i32 = 1000;
  plans: MetricPlan[] = new Array<MetricPlan>();
  groups: LabelGroup[] = new Array<LabelGroup>();
  /** Dimension expressions, each read once per request into `values[STANDARD_TAGS.length + i]`. */
  expressions: Attribute[] = new Array<Attribute>();
  expressionTexts: string[] = new Array<string>();
  /** Which standard tags some metric uses (the others are not computed). */
  needed: bool[] = new Array<bool>(STANDARD_TAGS.length);
  /** The per-request label values: the standard tags, then the expressions. */
  values: string[] = new Array<string>();

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    this.prefix = json.getString("stat_prefix", pluginName("stats"));
    if (this.prefix.length == 0) return fail("stat_prefix must not be empty");
    this.maxSeries = <i32>json.getInt("max_series", 1000);
    if (this.maxSeries < 1) return fail("max_series must be a positive integer");
    for (let m = 0; m < METRIC_NAMES.length; m++) this.plans.push(new MetricPlan());
    const metrics = json.getArray("metrics");
    for (let i = 0; i < metrics.length; i++) {
      if (!this.applyMetricConfig(metrics[i], "metrics[" + i.toString() + "]")) return false;
    }
    this.values = filled(STANDARD_TAGS.length + this.expressions.length, UNKNOWN);
    this.fillConstantTags();
    this.groupPlans();
    return true;
  }

  /** One `metrics[]` entry: dimensions added or overriding, then tags removed, or the metrics dropped. */
  applyMetricConfig(entry: JsonValue, where: string): bool {
    if (!entry.isObject()) return fail(where + " must be an object");
    const name = entry.getString("name");
    let only = -1;
    if (name.length > 0) {
      only = METRIC_NAMES.indexOf(name);
      if (only < 0) only = TELEMETRY_NAMES.indexOf(name);
      if (only < 0) return fail(where + ".name \"" + name + "\" is not one of " + METRIC_NAMES.join(", "));
    }
    const dimensions = entry.get("dimensions");
    if (dimensions !== null && !dimensions.isObject()) return fail(where + ".dimensions must be a map");
    const remove = entry.getStrings("tags_to_remove");
    const drop = entry.getBool("drop", false);
    for (let m = 0; m < this.plans.length; m++) {
      if (only >= 0 && m != only) continue;
      const plan = this.plans[m];
      if (drop) plan.dropped = true;
      if (dimensions !== null) {
        for (let d = 0; d < dimensions.keys.length; d++) {
          const label = dimensions.keys[d];
          if (!isLabelName(label)) return fail(where + ".dimensions: \"" + label + "\" is not a label name");
          const slot = this.expressionSlot(dimensions.values[d], where + ".dimensions." + label);
          if (slot < 0) return false;
          const at = plan.labels.indexOf(label);
          if (at >= 0) {
            plan.sources[at] = slot;
          } else {
            plan.labels.push(label);
            plan.sources.push(slot);
          }
        }
      }
      for (let r = 0; r < remove.length; r++) {
        const at = plan.labels.indexOf(remove[r]);
        if (at < 0) continue;
        plan.labels.splice(at, 1);
        plan.sources.splice(at, 1);
      }
    }
    return true;
  }

  /** The value slot of a dimension's expression (shared by every dimension written the same), or -1. */
  expressionSlot(v: JsonValue, where: string): i32 {
    if (!v.isString()) {
      fail(where + " must be a string: a property path, request.headers['name'] or 'literal'");
      return -1;
    }
    const text = v.stringValue.trim();
    const known = this.expressionTexts.indexOf(text);
    if (known >= 0) return STANDARD_TAGS.length + known;
    const expr = Attribute.parse(text);
    if (expr === null) {
      fail(where + ": " + attributeError());
      return -1;
    }
    this.expressions.push(expr);
    this.expressionTexts.push(text);
    return STANDARD_TAGS.length + this.expressions.length - 1;
  }

  /** The tags that do not change per request: the gateway's own identity, and what a gateway cannot know. */
  fillConstantTags(): void {
    this.values[0] = "source";
    const workload = getPropertyString("node.metadata.WORKLOAD_NAME");
    const namespace = getPropertyString("node.metadata.NAMESPACE");
    const cluster = getPropertyString("node.metadata.CLUSTER_ID");
    if (workload !== null && workload.length > 0) {
      this.values[1] = fieldValue(workload);
      // Istio's canonical service without labels: the workload's name, revision `latest`.
      this.values[6] = this.values[1];
      this.values[7] = "latest";
    }
    if (namespace !== null && namespace.length > 0) this.values[2] = fieldValue(namespace);
    if (cluster !== null && cluster.length > 0) this.values[8] = fieldValue(cluster);
    this.values[18] = "latest";
    this.values[GRPC_RESPONSE_STATUS] = "";
    for (let i = 0; i < this.needed.length; i++) this.needed[i] = false;
    for (let m = 0; m < this.plans.length; m++) {
      const plan = this.plans[m];
      if (plan.dropped) continue;
      for (let s = 0; s < plan.sources.length; s++) {
        if (plan.sources[s] < STANDARD_TAGS.length) this.needed[plan.sources[s]] = true;
      }
    }
  }

  groupPlans(): void {
    const constant = new Array<bool>(STANDARD_TAGS.length);
    for (let i = 0; i < constant.length; i++) constant[i] = !PER_REQUEST_TAGS.includes(i);
    for (let m = 0; m < this.plans.length; m++) {
      const plan = this.plans[m];
      if (plan.dropped) continue;
      let group: LabelGroup | null = null;
      for (let g = 0; g < this.groups.length; g++) {
        if (this.groups[g].plan.sameLabels(plan)) group = this.groups[g];
      }
      if (group === null) {
        group = new LabelGroup(plan, constant);
        this.groups.push(group);
      }
      group.metrics.push(m);
    }
  }

  newStream(): StreamContext {
    return new StatsStream(this);
  }

  /** Sets the per-request standard tags some metric uses, and the expressions' values. */
  readRequestValues(): void {
    const values = this.values;
    const needed = this.needed;
    if (needed[DESTINATION_SERVICE] || needed[DESTINATION_SERVICE_NAME] || needed[DESTINATION_SERVICE_NAMESPACE]) {
      this.readDestination(getPropertyString("cluster_name"));
    }
    const grpc = (needed[REQUEST_PROTOCOL] || needed[GRPC_RESPONSE_STATUS]) && isGrpc();
    if (needed[REQUEST_PROTOCOL]) values[REQUEST_PROTOCOL] = grpc ? "grpc" : "http";
    const code = needed[RESPONSE_CODE] || grpc ? getPropertyInt("response.code", 0) : 0;
    if (needed[RESPONSE_CODE]) values[RESPONSE_CODE] = code.toString();
    if (needed[GRPC_RESPONSE_STATUS]) values[GRPC_RESPONSE_STATUS] = grpc ? grpcStatus(code) : "";
    if (needed[RESPONSE_FLAGS]) values[RESPONSE_FLAGS] = responseFlagsText(getPropertyInt("response.flags", 0));
    const base = STANDARD_TAGS.length;
    for (let i = 0; i < this.expressions.length; i++) {
      const v = this.expressions[i].value();
      values[base + i] = v === null ? UNKNOWN : fieldValue(v);
    }
  }

  /** `destination_service*` from an Istio cluster name (`outbound|80|subset|reviews.default.svc.cluster.local`). */
  readDestination(cluster: string | null): void {
    const values = this.values;
    values[DESTINATION_SERVICE] = UNKNOWN;
    values[DESTINATION_SERVICE_NAME] = UNKNOWN;
    values[DESTINATION_SERVICE_NAMESPACE] = UNKNOWN;
    if (cluster === null || cluster.length == 0) return;
    const parts = cluster.split("|");
    if (parts.length != 4 || parts[3].length == 0) {
      // BlackHoleCluster, PassthroughCluster and other clusters without a service: the cluster names it.
      values[DESTINATION_SERVICE_NAME] = fieldValue(cluster);
      return;
    }
    const host = parts[3];
    values[DESTINATION_SERVICE] = fieldValue(host);
    const labels = host.split(".");
    values[DESTINATION_SERVICE_NAME] = fieldValue(labels[0]);
    if (labels.length >= 3 && labels[2] == "svc") values[DESTINATION_SERVICE_NAMESPACE] = fieldValue(labels[1]);
  }

  /** The series of the current label values in `group`: new while under max_series, else the `other` one. */
  seriesOf(group: LabelGroup): Series {
    const key = group.key(this.values);
    if (group.series.has(key)) return group.series.get(key);
    if (group.series.size >= this.maxSeries) {
      let overflow = group.overflow;
      if (overflow === null) {
        overflow = this.define(group, group.fields(filled(this.values.length, OVERFLOW)));
        group.overflow = overflow;
      }
      return overflow;
    }
    const series = this.define(group, group.fields(this.values));
    group.series.set(key, series);
    return series;
  }

  /** The metrics of `group` for one label set, named after its tag `fields`. */
  define(group: LabelGroup, fields: string): Series {
    const s = new Series();
    for (let i = 0; i < group.metrics.length; i++) {
      const m = group.metrics[i];
      const name = fields + this.prefix + "_" + METRIC_NAMES[m];
      if (m == REQUESTS) s.requests = new Counter(name);
      else if (m == DURATION) s.duration = new Histogram(name);
      else if (m == REQUEST_BYTES) s.requestBytes = new Histogram(name);
      else s.responseBytes = new Histogram(name);
    }
    return s;
  }
}

/** `grpc_response_status`: the response's `grpc-status` (trailers, then headers), else the HTTP status mapped. */
function grpcStatus(code: i64): string {
  let status = response.trailers.get("grpc-status");
  if (status === null) status = response.headers.get("grpc-status");
  if (status !== null) return fieldValue(status);
  return code == 0 ? "" : grpcStatusOfHttp(code);
}

class StatsStream extends StreamContext {
  requestBytes: u64 = 0;
  responseBytes: u64 = 0;

  constructor(public root: StatsRoot) {
    super();
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    this.requestBytes += bodySize;
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    this.responseBytes += bodySize;
    return Action.Continue;
  }

  onLog(): void {
    const root = this.root;
    root.readRequestValues();
    const durationMs = root.plans[DURATION].dropped ? 0 : requestDurationMillis();
    for (let g = 0; g < root.groups.length; g++) {
      const s = root.seriesOf(root.groups[g]);
      const requests = s.requests;
      if (requests !== null) requests.increment(1);
      const duration = s.duration;
      if (duration !== null) duration.record(durationMs);
      const requestBytes = s.requestBytes;
      if (requestBytes !== null) requestBytes.record(this.requestBytes);
      const responseBytes = s.responseBytes;
      if (responseBytes !== null) responseBytes.record(this.responseBytes);
    }
  }
}

/** Whole milliseconds from the request's start (`request.time`) to now. */
function requestDurationMillis(): u64 {
  const start = getPropertyInt("request.time", -1);
  const now = <i64>nowNanos();
  return start < 0 || now < start ? 0 : <u64>((now - start) / 1_000_000);
}

registerFilter((): RootContext => new StatsRoot());
