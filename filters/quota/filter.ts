// quota: request quotas over fixed windows (per second, minute, hour or day, aligned to UTC), per key, as a
// rate limit service with those units answers. Counters live in shared data, which the gateway keeps for its
// whole life, so they survive configuration reloads and are shared by every VM. A request over a quota gets
// 429 with x-ratelimit-* and response flag RL. See README.md.
import {
  Action,
  Counter,
  getPropertyString,
  HeaderPair,
  JsonValue,
  jsonError,
  log,
  nowMillis,
  parseJson,
  pluginName,
  registerFilter,
  RequestKey,
  RequestMatch,
  requestPath,
  response,
  RootContext,
  RouteName,
  sendLocalReply,
  SharedData,
  SharedValue,
  StreamContext,
  WasmResult,
} from "@portcullis/filter-sdk";

const MAX_CAS_ATTEMPTS = 32;

function unitMillis(unit: string): i64 {
  if (unit == "second") return 1000;
  if (unit == "minute") return 60_000;
  if (unit == "hour") return 3_600_000;
  if (unit == "day") return 86_400_000;
  return 0;
}

/** One quota: `requests` per window of `unit`. */
class Limit {
  constructor(public unit: string, public windowMillis: i64, public requests: i64) {}
}

class Rule {
  name: string = "";
  match: RequestMatch = new RequestMatch();
  key: RequestKey = new RequestKey();
  limits: Limit[] = new Array<Limit>();
}

/** A counter as stored: the window it counts and the count. */
class Window {
  constructor(public start: i64, public count: i64, public cas: u32) {}

  static read(stored: SharedValue | null, start: i64): Window {
    if (stored === null) return new Window(start, 0, 0);
    const parts = stored.text().split(":");
    const from = parts.length == 2 ? I64.parseInt(parts[0]) : -1;
    return new Window(start, from == start ? I64.parseInt(parts[1]) : 0, stored.cas);
  }
}

/** Where a request stands against one limit. */
class Standing {
  constructor(public limit: Limit, public remaining: i64, public resetSeconds: i64) {}

  headers(): HeaderPair[] {
    const l = this.limit;
    const w = (l.windowMillis / 1000).toString();
    return [
      new HeaderPair("x-ratelimit-limit", l.requests.toString() + ", " + l.requests.toString() + ";w=" + w),
      new HeaderPair("x-ratelimit-remaining", this.remaining.toString()),
      new HeaderPair("x-ratelimit-reset", this.resetSeconds.toString()),
    ];
  }
}

function fail(message: string): bool {
  log.error("quota: " + message);
  return false;
}

function parseRule(v: JsonValue, where: string, rule: Rule): string | null {
  if (!v.isObject()) return where + " must be an object";
  rule.name = v.getString("name");
  if (rule.name.length == 0) return where + ".name is required";
  const matchError = rule.match.parse(v.getObject("match"));
  if (matchError !== null) return where + "." + matchError;
  const keyError = rule.key.parse(v.get("key"));
  if (keyError !== null) return where + "." + keyError;
  const limits = v.getArray("limits");
  if (limits.length == 0) return where + ".limits must list at least one {unit, requests}";
  for (let i = 0; i < limits.length; i++) {
    const unit = limits[i].getString("unit");
    const ms = unitMillis(unit);
    if (ms == 0) return where + ".limits[" + i.toString() + "].unit must be second, minute, hour or day";
    const requests = limits[i].getInt("requests", -1);
    if (requests < 0) return where + ".limits[" + i.toString() + "].requests must be a number >= 0";
    rule.limits.push(new Limit(unit, ms, requests));
  }
  return null;
}

class QuotaRoot extends RootContext {
  rules: Rule[] = new Array<Rule>();
  statusCode: u32 = 429;
  body: string = "quota exceeded\n";
  headersOnSuccess: bool = false;
  prefix: string = "";
  allowed: Counter | null = null;
  exceeded: Counter | null = null;

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    this.statusCode = <u32>json.getInt("statusCode", 429);
    this.body = json.getString("body", this.body);
    this.headersOnSuccess = json.getBool("headersOnSuccess", false);
    const rules = json.getArray("rules");
    if (rules.length == 0) return fail("rules must list at least one rule");
    for (let i = 0; i < rules.length; i++) {
      const rule = new Rule();
      const error = parseRule(rules[i], "rules[" + i.toString() + "]", rule);
      if (error !== null) return fail(error);
      this.rules.push(rule);
    }
    const plugin = getPropertyString("plugin_name");
    this.prefix = "quota/" + (plugin === null ? "" : plugin) + "/";
    const stats = json.getString("statPrefix", "quota_" + pluginName("quota"));
    this.allowed = new Counter(stats + "_allowed");
    this.exceeded = new Counter(stats + "_exceeded");
    return true;
  }

  newStream(): StreamContext {
    return new QuotaStream(this);
  }
}

class QuotaStream extends StreamContext {
  tightest: Standing | null = null;
  route: RouteName = new RouteName();

  constructor(public root: QuotaRoot) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    const root = this.root;
    const path = requestPath();
    const now = <i64>nowMillis();
    const counters = new Array<string>();
    const limits = new Array<Limit>();
    for (let i = 0; i < root.rules.length; i++) {
      const rule = root.rules[i];
      if (!rule.match.matches(this.route, path)) continue;
      const key = rule.key.value();
      if (key === null) continue;
      for (let j = 0; j < rule.limits.length; j++) {
        counters.push(root.prefix + rule.name + "/" + rule.limits[j].unit + "/" + key);
        limits.push(rule.limits[j]);
      }
    }
    // Every quota is checked before any is counted, so a refused request uses none of them.
    const seen = new Array<Window>(counters.length);
    for (let i = 0; i < counters.length; i++) {
      const limit = limits[i];
      const start = now - now % limit.windowMillis;
      const w = Window.read(SharedData.get(counters[i]), start);
      if (w.count >= limit.requests) return this.refuse(new Standing(limit, 0, resetSeconds(limit, start, now)));
      seen[i] = w;
    }
    for (let i = 0; i < counters.length; i++) {
      const limit = limits[i];
      const start = now - now % limit.windowMillis;
      const used = this.count(counters[i], start, limit, seen[i]);
      if (used < 0) return this.refuse(new Standing(limit, 0, resetSeconds(limit, start, now)));
      const standing = new Standing(limit, limit.requests - used, resetSeconds(limit, start, now));
      const t = this.tightest;
      if (t === null || standing.remaining < t.remaining) this.tightest = standing;
    }
    root.allowed!.increment();
    return Action.Continue;
  }

  /**
   * Counts one request in `counter` (first trying with `read`, the window as just read); the count after it,
   * or -1 when the quota is used up.
   */
  count(counter: string, start: i64, limit: Limit, read: Window): i64 {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const w = attempt == 0 ? read : Window.read(SharedData.get(counter), start);
      if (w.count >= limit.requests) return -1;
      const status = SharedData.set(counter, start.toString() + ":" + (w.count + 1).toString(), w.cas);
      if (status == WasmResult.Ok) return w.count + 1;
      if (status != WasmResult.CasMismatch) break;
    }
    log.warn("quota: counter " + counter + " is contended; the request passes uncounted");
    return 0;
  }

  refuse(standing: Standing): Action {
    this.root.exceeded!.increment();
    sendLocalReply(this.root.statusCode, this.root.body, standing.headers(), "request_rate_limited");
    return Action.Pause;
  }

  onResponseHeaders(endOfStream: bool): Action {
    const t = this.tightest;
    if (this.root.headersOnSuccess && t !== null) {
      const headers = t.headers();
      for (let i = 0; i < headers.length; i++) response.headers.set(headers[i].name, headers[i].value);
    }
    return Action.Continue;
  }
}

function resetSeconds(limit: Limit, start: i64, now: i64): i64 {
  return (start + limit.windowMillis - now + 999) / 1000;
}

registerFilter((): RootContext => new QuotaRoot());
