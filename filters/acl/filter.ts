// acl: Mixer-style access lists. Ordered rules allow or deny a request by client address (CIDR, optionally
// from X-Forwarded-For), header values, path patterns and methods; the first rule that matches decides, and
// `defaultAction` decides the rest. A denial answers with a configurable status and body. See README.md.
import {
  Action,
  Cidr,
  clientIp,
  Counter,
  pluginName,
  HeaderPair,
  JsonValue,
  jsonError,
  log,
  parseIp,
  parseJson,
  registerFilter,
  request,
  requestPath,
  RootContext,
  sendLocalReply,
  StreamContext,
  StringMatcher,
} from "@portcullis/filter-sdk";

/** A header condition: present, or its value matching. */
class HeaderCondition {
  constructor(public name: string, public value: StringMatcher | null, public invert: bool) {}

  holds(): bool {
    const v = request.headers.get(this.name);
    const matched = v !== null && (this.value === null || this.value!.matches(v));
    return matched != this.invert;
  }
}

/** One rule: conditions (all must hold; within a list, any entry), and what to do when they do. */
class Rule {
  name: string = "";
  allow: bool = false;
  cidrs: Cidr[] = new Array<Cidr>();
  headers: HeaderCondition[] = new Array<HeaderCondition>();
  paths: StringMatcher[] = new Array<StringMatcher>();
  methods: string[] = new Array<string>();
  status: u32 = 0;
  body: string | null = null;

  matches(client: string, path: string, method: string): bool {
    if (this.methods.length > 0 && !this.methods.includes(method)) return false;
    if (this.paths.length > 0) {
      let any = false;
      for (let i = 0; i < this.paths.length && !any; i++) any = this.paths[i].matches(path);
      if (!any) return false;
    }
    if (this.cidrs.length > 0) {
      const ip = parseIp(client);
      if (ip === null) return false;
      let any = false;
      for (let i = 0; i < this.cidrs.length && !any; i++) any = this.cidrs[i].containsBytes(ip);
      if (!any) return false;
    }
    for (let i = 0; i < this.headers.length; i++) if (!this.headers[i].holds()) return false;
    return true;
  }
}

function fail(message: string): bool {
  log.error("acl: " + message);
  return false;
}

function parseAction(text: string): i32 {
  if (text == "allow" || text == "ALLOW") return 1;
  if (text == "deny" || text == "DENY") return 0;
  return -1;
}

/** The rule at `where`, or an error message. */
function parseRule(v: JsonValue, where: string, into: Rule): string | null {
  if (!v.isObject()) return where + " must be an object";
  into.name = v.getString("name", where);
  const action = parseAction(v.getString("action"));
  if (action < 0) return where + ".action must be allow or deny";
  into.allow = action == 1;
  into.status = <u32>v.getInt("status", 0);
  if (v.has("body")) into.body = v.getString("body");
  const match = v.getObject("match");
  if (match === null) return null;
  const cidrs = match.getStrings("cidrs");
  for (let i = 0; i < cidrs.length; i++) {
    const c = Cidr.parse(cidrs[i]);
    if (c === null) return where + ".match.cidrs[" + i.toString() + "] is not an address or CIDR: " + cidrs[i];
    into.cidrs.push(c);
  }
  const paths = match.getArray("paths");
  for (let i = 0; i < paths.length; i++) {
    const m = StringMatcher.fromJson(paths[i]);
    if (m === null) return where + ".match.paths[" + i.toString() + "] must be {exact|prefix|suffix|glob: ...}";
    into.paths.push(m);
  }
  const methods = match.getStrings("methods");
  for (let i = 0; i < methods.length; i++) into.methods.push(methods[i].toUpperCase());
  const headers = match.getArray("headers");
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const name = h.getString("name").toLowerCase();
    if (name.length == 0) return where + ".match.headers[" + i.toString() + "].name is required";
    const value = StringMatcher.fromJson(h);
    into.headers.push(new HeaderCondition(name, value, h.getBool("invert", false)));
  }
  return null;
}

class AclRoot extends RootContext {
  rules: Rule[] = new Array<Rule>();
  defaultAllow: bool = true;
  trustedHops: i32 = 0;
  status: u32 = 403;
  body: string = "access denied\n";
  allowed: Counter | null = null;
  denied: Counter | null = null;

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    const fallback = parseAction(json.getString("defaultAction", "allow"));
    if (fallback < 0) return fail("defaultAction must be allow or deny");
    this.defaultAllow = fallback == 1;
    this.trustedHops = <i32>json.getInt("xffTrustedHops", 0);
    this.status = <u32>json.getInt("status", 403);
    if (this.status < 200 || this.status > 599) return fail("status must be an HTTP status (200-599)");
    this.body = json.getString("body", this.body);
    const rules = json.getArray("rules");
    for (let i = 0; i < rules.length; i++) {
      const rule = new Rule();
      const error = parseRule(rules[i], "rules[" + i.toString() + "]", rule);
      if (error !== null) return fail(error);
      this.rules.push(rule);
    }
    const stats = json.getString("statPrefix", "acl_" + pluginName("acl"));
    this.allowed = new Counter(stats + "_allowed");
    this.denied = new Counter(stats + "_denied");
    return true;
  }

  newStream(): StreamContext {
    return new AclStream(this);
  }
}

class AclStream extends StreamContext {
  constructor(public root: AclRoot) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    const root = this.root;
    const client = clientIp(root.trustedHops);
    const path = requestPath();
    const m = request.headers.get(":method");
    const method = m === null ? "" : m;
    for (let i = 0; i < root.rules.length; i++) {
      const rule = root.rules[i];
      if (!rule.matches(client, path, method)) continue;
      if (!rule.allow) {
        const body = rule.body;
        return this.deny(rule.status == 0 ? root.status : rule.status, body === null ? root.body : body, rule.name);
      }
      root.allowed!.increment();
      return Action.Continue;
    }
    if (!root.defaultAllow) return this.deny(root.status, root.body, "defaultAction");
    root.allowed!.increment();
    return Action.Continue;
  }

  deny(status: u32, body: string, rule: string): Action {
    this.root.denied!.increment();
    log.debug("acl: denied by " + rule);
    sendLocalReply(status, body, new Array<HeaderPair>(), "acl_denied");
    return Action.Pause;
  }
}

registerFilter((): RootContext => new AclRoot());
