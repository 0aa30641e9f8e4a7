// header-rewrite: rules that match a request by path, host, method and headers, and set, append or remove
// request and response headers, or redirect (a 301/302/307/308 local reply with a location). Every matching
// rule applies, in order; a redirect ends the request. See README.md.
import {
  Action,
  HeaderMap,
  HeaderPair,
  JsonValue,
  jsonError,
  log,
  parseJson,
  registerFilter,
  request,
  response,
  RootContext,
  sendLocalReply,
  StreamContext,
  StringMatcher,
  stripPort,
} from "@portcullis/filter-sdk";

/** Header edits for one direction. */
class Edits {
  toSet: HeaderPair[] = new Array<HeaderPair>();
  toAppend: HeaderPair[] = new Array<HeaderPair>();
  toRemove: string[] = new Array<string>();

  get empty(): bool {
    return this.toSet.length == 0 && this.toAppend.length == 0 && this.toRemove.length == 0;
  }

  applyTo(map: HeaderMap): void {
    for (let i = 0; i < this.toRemove.length; i++) map.remove(this.toRemove[i]);
    for (let i = 0; i < this.toSet.length; i++) map.set(this.toSet[i].name, this.toSet[i].value);
    for (let i = 0; i < this.toAppend.length; i++) map.add(this.toAppend[i].name, this.toAppend[i].value);
  }
}

class HeaderCondition {
  constructor(public name: string, public value: StringMatcher | null, public invert: bool) {}

  holds(): bool {
    const v = request.headers.get(this.name);
    return (v !== null && (this.value === null || this.value!.matches(v))) != this.invert;
  }
}

/** Where a redirect points; empty parts keep the request's. */
class Redirect {
  status: u32 = 301;
  scheme: string = "";
  host: string = "";
  path: string = "";
  prefixRewrite: string = "";
  stripQuery: bool = false;
}

class Rule {
  name: string = "";
  path: StringMatcher | null = null;
  host: StringMatcher | null = null;
  methods: string[] = new Array<string>();
  headers: HeaderCondition[] = new Array<HeaderCondition>();
  request: Edits = new Edits();
  response: Edits = new Edits();
  redirect: Redirect | null = null;

  matches(path: string, host: string, method: string): bool {
    const p = this.path;
    if (p !== null && !p.matches(path)) return false;
    const h = this.host;
    if (h !== null && !h.matches(host)) return false;
    if (this.methods.length > 0 && !this.methods.includes(method)) return false;
    for (let i = 0; i < this.headers.length; i++) if (!this.headers[i].holds()) return false;
    return true;
  }
}

function fail(message: string): bool {
  log.error("header-rewrite: " + message);
  return false;
}

/** Pairs from a JSON object `{"name": "value", ...}`; null when it is not one. */
function headerObject(v: JsonValue | null, into: HeaderPair[]): bool {
  if (v === null) return true;
  if (!v.isObject()) return false;
  for (let i = 0; i < v.keys.length; i++) {
    if (!v.values[i].isString()) return false;
    into.push(new HeaderPair(v.keys[i].toLowerCase(), v.values[i].stringValue));
  }
  return true;
}

function parseEdits(v: JsonValue | null, into: Edits, where: string): string | null {
  if (v === null) return null;
  if (!v.isObject()) return where + " must be an object with set, append, remove";
  if (!headerObject(v.get("set"), into.toSet)) return where + ".set must map header names to strings";
  if (!headerObject(v.get("append"), into.toAppend)) return where + ".append must map header names to strings";
  const remove = v.getStrings("remove");
  for (let i = 0; i < remove.length; i++) into.toRemove.push(remove[i].toLowerCase());
  return null;
}

function parseRule(v: JsonValue, where: string, rule: Rule): string | null {
  if (!v.isObject()) return where + " must be an object";
  rule.name = v.getString("name", where);
  const match = v.getObject("match");
  if (match !== null) {
    const path = match.get("path");
    if (path !== null) {
      rule.path = StringMatcher.fromJson(path);
      if (rule.path === null) return where + ".match.path must be {exact|prefix|suffix|glob: ...}";
    }
    const host = match.get("host");
    if (host !== null) {
      rule.host = StringMatcher.fromJson(host);
      if (rule.host === null) return where + ".match.host must be {exact|prefix|suffix|glob: ...}";
    }
    const methods = match.getStrings("methods");
    for (let i = 0; i < methods.length; i++) rule.methods.push(methods[i].toUpperCase());
    const headers = match.getArray("headers");
    for (let i = 0; i < headers.length; i++) {
      const name = headers[i].getString("name").toLowerCase();
      if (name.length == 0) return where + ".match.headers[" + i.toString() + "].name is required";
      rule.headers.push(new HeaderCondition(name, StringMatcher.fromJson(headers[i]), headers[i].getBool("invert", false)));
    }
  }
  let error = parseEdits(v.get("request"), rule.request, where + ".request");
  if (error === null) error = parseEdits(v.get("response"), rule.response, where + ".response");
  if (error !== null) return error;
  const r = v.getObject("redirect");
  if (r !== null) {
    const redirect = new Redirect();
    redirect.status = <u32>r.getInt("status", 301);
    if (redirect.status != 301 && redirect.status != 302 && redirect.status != 303 && redirect.status != 307 && redirect.status != 308) {
      return where + ".redirect.status must be 301, 302, 303, 307 or 308";
    }
    redirect.scheme = r.getString("scheme");
    redirect.host = r.getString("host");
    redirect.path = r.getString("path");
    redirect.prefixRewrite = r.getString("prefixRewrite");
    redirect.stripQuery = r.getBool("stripQuery", false);
    if (redirect.prefixRewrite.length > 0) {
      const p = rule.path;
      if (p === null || p.kind != 1) return where + ".redirect.prefixRewrite needs match.path to be a prefix";
    }
    rule.redirect = redirect;
  } else if (rule.request.empty && rule.response.empty) {
    return where + " does nothing: give request, response or redirect";
  }
  return null;
}

class RewriteRoot extends RootContext {
  rules: Rule[] = new Array<Rule>();

  onConfigure(config: string): bool {
    const json = parseJson(config.length == 0 ? "{}" : config);
    if (json === null) return fail("the configuration is not JSON: " + jsonError());
    if (!json.isObject()) return fail("the configuration must be an object");
    const rules = json.getArray("rules");
    if (rules.length == 0) return fail("rules must list at least one rule");
    for (let i = 0; i < rules.length; i++) {
      const rule = new Rule();
      const error = parseRule(rules[i], "rules[" + i.toString() + "]", rule);
      if (error !== null) return fail(error);
      this.rules.push(rule);
    }
    return true;
  }

  newStream(): StreamContext {
    return new RewriteStream(this);
  }
}

function redirectLocation(r: Redirect, rule: Rule, path: string, query: string, host: string): string {
  const scheme = request.headers.get(":scheme");
  let target = path;
  if (r.path.length > 0) target = r.path;
  else if (r.prefixRewrite.length > 0) target = r.prefixRewrite + path.substring(rule.path!.pattern.length);
  let location = (r.scheme.length > 0 ? r.scheme : scheme === null ? "http" : scheme) + "://";
  location += (r.host.length > 0 ? r.host : host) + target;
  if (!r.stripQuery && query.length > 0) location += "?" + query;
  return location;
}

class RewriteStream extends StreamContext {
  /** Rules whose response edits apply to this request's response. */
  responseRules: Rule[] = new Array<Rule>();

  constructor(public root: RewriteRoot) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    const full = request.headers.get(":path");
    const fullPath = full === null ? "" : full;
    const q = fullPath.indexOf("?");
    const path = q < 0 ? fullPath : fullPath.substring(0, q);
    const query = q < 0 ? "" : fullPath.substring(q + 1);
    const a = request.headers.get(":authority");
    const authority = a === null ? "" : a;
    const host = stripPort(authority).toLowerCase();
    const m = request.headers.get(":method");
    const method = m === null ? "" : m;
    const rules = this.root.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (!rule.matches(path, host, method)) continue;
      const redirect = rule.redirect;
      if (redirect !== null) {
        const location = redirectLocation(redirect, rule, path, query, authority);
        const headers = new Array<HeaderPair>();
        headers.push(new HeaderPair("location", location));
        for (let j = 0; j < rule.response.toSet.length; j++) headers.push(rule.response.toSet[j]);
        for (let j = 0; j < rule.response.toAppend.length; j++) headers.push(rule.response.toAppend[j]);
        sendLocalReply(redirect.status, "", headers, "header_rewrite_redirect");
        return Action.Pause;
      }
      rule.request.applyTo(request.headers);
      if (!rule.response.empty) this.responseRules.push(rule);
    }
    return Action.Continue;
  }

  onResponseHeaders(endOfStream: bool): Action {
    for (let i = 0; i < this.responseRules.length; i++) this.responseRules[i].response.applyTo(response.headers);
    return Action.Continue;
  }
}

registerFilter((): RootContext => new RewriteRoot());
