// ratelimit: local token buckets, shared by every VM of the gateway through shared data (compare-and-swap),
// keyed per rule by a header, the client IP, the path, a JWT claim or any property. A request that finds a
// bucket empty gets 429 with x-ratelimit-limit/remaining/reset and response flag RL. See README.md.
import {
  Action,
  Counter,
  getPropertyString,
  pluginName,
  HeaderPair,
  JsonValue,
  jsonError,
  log,
  nowMillis,
  parseDurationMillis,
  parseJson,
  registerFilter,
  RequestKey,
  RequestMatch,
  requestPath,
  response,
  RootContext,
  RouteName,
  sendLocalReply,
  SharedData,
  StreamContext,
  StringMatcher,
  WasmResult,
} from "@portcullis/filter-sdk";

/** Most compare-and-swap attempts per bucket and request before letting the request through. */
const MAX_CAS_ATTEMPTS = 32;

/** One limit: which requests, keyed how, at what rate. */
class Rule {
  name: string = "";
  match: RequestMatch = new RequestMatch();
  key: RequestKey = new RequestKey();
  maxTokens: i64 = 0;
  tokensPerFill: i64 = 0;
  fillMillis: i64 = 0;

  /** `x-ratelimit-limit` as Envoy writes it (IETF draft 03): `"<limit>, <limit>;w=<window seconds>"`. */
  limitHeader(): string {
    const window = (this.fillMillis + 999) / 1000;
    return this.maxTokens.toString() + ", " + this.maxTokens.toString() + ";w=" + window.toString();
  }
}

/** Where a request stands against one bucket. */
class Verdict {
  constructor(public allowed: bool, public remaining: i64, public resetSeconds: i64, public rule: Rule) {}
}

function fail(message: string): bool {
  log.error("ratelimit: " + message);
  return false;
}

function parseRule(v: JsonValue, index: i32): Rule | null {
  const rule = new Rule();
  const where = "rules[" + index.toString() + "]";
  rule.name = v.getString("name");
  if (rule.name.length == 0) return failRule(where + ".name is required");
  const match = v.getObject("match");
  const matchError = rule.match.parse(match);
  if (matchError !== null) return failRule(where + "." + matchError);
  if (match !== null && match.get("path") === null && match.has("pathPrefix")) {
    rule.match.path = new StringMatcher(1, match.getString("pathPrefix"), false);
  }
  const keyError = rule.key.parse(v.get("key"));
  if (keyError !== null) return failRule(where + "." + keyError);
  rule.maxTokens = v.getInt("maxTokens", 0);
  rule.tokensPerFill = v.getInt("tokensPerFill", rule.maxTokens);
  const interval = v.get("fillInterval");
  rule.fillMillis = interval === null
    ? 1000
    : interval.isNumber()
    ? <i64>(interval.numberValue * 1000)
    : parseDurationMillis(interval.asString());
  if (rule.maxTokens <= 0) return failRule(where + ".maxTokens must be a positive integer");
  if (rule.tokensPerFill <= 0) return failRule(where + ".tokensPerFill must be a positive integer");
  if (rule.fillMillis <= 0) return failRule(where + ".fillInterval must be a positive duration (\"1s\", \"1m\")");
  return rule;
}

function failRule(message: string): Rule | null {
  fail(message);
  return null;
}

class RateLimitRoot extends RootContext {
  rules: Rule[] = new Array<Rule>();
  statusCode: u32 = 429;
  body: string = "local_rate_limited";
  headersOnSuccess: bool = false;
  prefix: string = "";
  allowed: Counter | null = null;
  limited: Counter | null = null;

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    this.statusCode = <u32>json.getInt("statusCode", 429);
    this.body = json.getString("body", "local_rate_limited");
    this.headersOnSuccess = json.getBool("headersOnSuccess", false);
    const rules = json.getArray("rules");
    if (rules.length == 0) return fail("rules must list at least one rule");
    const seen = new Set<string>();
    for (let i = 0; i < rules.length; i++) {
      const rule = parseRule(rules[i], i);
      if (rule === null) return false;
      if (seen.has(rule.name)) return fail("rules[" + i.toString() + "].name \"" + rule.name + "\" is repeated");
      seen.add(rule.name);
      this.rules.push(rule);
    }
    const plugin = getPropertyString("plugin_name");
    this.prefix = "ratelimit/" + (plugin === null ? "" : plugin) + "/";
    const stats = json.getString("statPrefix", "ratelimit_" + pluginName("ratelimit"));
    this.allowed = new Counter(stats + "_allowed");
    this.limited = new Counter(stats + "_limited");
    return true;
  }

  newStream(): StreamContext {
    return new RateLimitStream(this);
  }

  /** Takes a token from `rule`'s bucket for `key`, refilling it first for the time gone by. */
  take(rule: Rule, key: string): Verdict {
    const bucket = this.prefix + rule.name + "/" + key;
    const now = <i64>nowMillis();
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const stored = SharedData.get(bucket);
      let tokens = rule.maxTokens;
      let lastFill = now;
      let cas: u32 = 0;
      if (stored !== null) {
        const parts = stored.text().split(":");
        if (parts.length == 2) {
          tokens = I64.parseInt(parts[0]);
          lastFill = I64.parseInt(parts[1]);
        }
        cas = stored.cas;
      }
      if (now > lastFill) {
        const fills = (now - lastFill) / rule.fillMillis;
        if (fills > 0) {
          tokens = min(rule.maxTokens, tokens + fills * rule.tokensPerFill);
          lastFill += fills * rule.fillMillis;
        }
      }
      const untilFill = lastFill + rule.fillMillis - now;
      const reset = (untilFill + 999) / 1000;
      if (tokens <= 0) return new Verdict(false, 0, reset, rule);
      tokens--;
      const status = SharedData.set(bucket, tokens.toString() + ":" + lastFill.toString(), cas);
      if (status == WasmResult.Ok) return new Verdict(true, tokens, reset, rule);
      if (status != WasmResult.CasMismatch) break;
    }
    log.warn("ratelimit: bucket " + bucket + " is contended; the request passes");
    return new Verdict(true, 0, 0, rule);
  }
}

function rateLimitHeaders(v: Verdict): HeaderPair[] {
  return [
    new HeaderPair("x-ratelimit-limit", v.rule.limitHeader()),
    new HeaderPair("x-ratelimit-remaining", v.remaining.toString()),
    new HeaderPair("x-ratelimit-reset", v.resetSeconds.toString()),
  ];
}

class RateLimitStream extends StreamContext {
  /** The verdict with the fewest tokens left, for the response headers. */
  tightest: Verdict | null = null;
  /** `route_name`, read when a rule first needs it. */
  route: RouteName = new RouteName();

  constructor(public root: RateLimitRoot) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    const path = requestPath();
    const rules = this.root.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule.match.matches(this.route, path)) continue;
      const key = rule.key.value();
      if (key === null) continue;
      const verdict = this.root.take(rule, key);
      if (!verdict.allowed) {
        this.root.limited!.increment();
        sendLocalReply(this.root.statusCode, this.root.body, rateLimitHeaders(verdict), "local_rate_limited");
        return Action.Pause;
      }
      const t = this.tightest;
      if (t === null || verdict.remaining < t.remaining) this.tightest = verdict;
    }
    this.root.allowed!.increment();
    return Action.Continue;
  }

  onResponseHeaders(endOfStream: bool): Action {
    const t = this.tightest;
    if (this.root.headersOnSuccess && t !== null) {
      const headers = rateLimitHeaders(t);
      for (let i = 0; i < headers.length; i++) response.headers.set(headers[i].name, headers[i].value);
    }
    return Action.Continue;
  }
}

registerFilter((): RootContext => new RateLimitRoot());
