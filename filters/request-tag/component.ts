// request-tag: a component filter (portcullis:filter@0.1.0) that edits request and response headers by
// configuration and answers requests under denied path prefixes with a local reply. See README.md.
import {
  addHeaderBytes,
  Direction,
  Filter,
  getHeader,
  HeadersAction,
  JsonKind,
  JsonValue,
  jsonError,
  LocalReply,
  Metric,
  MetricType,
  parseJson,
  registerFilter,
  removeHeaderBytes,
  setHeaderBytes,
  utf8,
} from "@portcullis/component-sdk";

/** Header edits for one direction, names and values encoded once. */
class Edits {
  setNames: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  setValues: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  addNames: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  addValues: Array<ArrayBuffer> = new Array<ArrayBuffer>();
  removeNames: Array<ArrayBuffer> = new Array<ArrayBuffer>();

  apply(which: Direction): void {
    for (let i = 0; i < this.removeNames.length; i++) removeHeaderBytes(which, this.removeNames[i]);
    for (let i = 0; i < this.setNames.length; i++) setHeaderBytes(which, this.setNames[i], this.setValues[i]);
    for (let i = 0; i < this.addNames.length; i++) addHeaderBytes(which, this.addNames[i], this.addValues[i]);
  }
}

/** `edits` from a `{set: {..}, add: {..}, remove: [..]}` object; an error message or null. */
function readEdits(config: JsonValue | null, edits: Edits): string | null {
  if (config === null) return null;
  if (config.kind != JsonKind.Object) return "header edits must be an object";
  const set = config.get("set");
  if (set !== null) {
    if (set.kind != JsonKind.Object) return "set must be an object of strings";
    for (let i = 0; i < set.keys.length; i++) {
      if (set.values[i].kind != JsonKind.String) return "set." + set.keys[i] + " must be a string";
      edits.setNames.push(utf8(set.keys[i].toLowerCase()));
      edits.setValues.push(utf8(set.values[i].stringValue));
    }
  }
  const add = config.get("add");
  if (add !== null) {
    if (add.kind != JsonKind.Object) return "add must be an object of strings";
    for (let i = 0; i < add.keys.length; i++) {
      if (add.values[i].kind != JsonKind.String) return "add." + add.keys[i] + " must be a string";
      edits.addNames.push(utf8(add.keys[i].toLowerCase()));
      edits.addValues.push(utf8(add.values[i].stringValue));
    }
  }
  const remove = config.getStrings("remove");
  for (let i = 0; i < remove.length; i++) edits.removeNames.push(utf8(remove[i].toLowerCase()));
  return null;
}

class RequestTag extends Filter {
  request: Edits = new Edits();
  response: Edits = new Edits();
  denyPrefixes: Array<string> = new Array<string>();
  denyStatus: u16 = 403;
  denyBody: string = "denied by request-tag\n";
  requests: Metric | null = null;
  denied: Metric | null = null;

  configure(config: string): string | null {
    const root = parseJson(config.length == 0 ? "{}" : config);
    if (root === null) return "invalid JSON: " + jsonError();
    if (root.kind != JsonKind.Object) return "the configuration must be an object";
    let error = readEdits(root.get("requestHeaders"), this.request);
    if (error !== null) return "requestHeaders: " + error;
    error = readEdits(root.get("responseHeaders"), this.response);
    if (error !== null) return "responseHeaders: " + error;
    const deny = root.get("deny");
    if (deny !== null) {
      this.denyPrefixes = deny.getStrings("pathPrefixes");
      const status = deny.getNumber("status", 403);
      if (status < 200 || status > 599) return "deny.status must be 200-599";
      this.denyStatus = <u16>status;
      this.denyBody = deny.getString("body", this.denyBody);
    }
    const prefix = root.getString("metricPrefix", "request_tag");
    this.requests = Metric.define(MetricType.Counter, prefix + "_requests_total");
    this.denied = Metric.define(MetricType.Counter, prefix + "_denied_total");
    return null;
  }

  onRequestHeaders(endOfStream: bool): HeadersAction {
    this.requests!.increment();
    if (this.denyPrefixes.length > 0) {
      const path = getHeader(Direction.Request, ":path");
      if (path !== null && this.isDenied(path)) {
        this.denied!.increment();
        const reply = new LocalReply(this.denyStatus)
          .withText(this.denyBody)
          .withHeader("content-type", "text/plain");
        reply.details = "request_tag_denied";
        return HeadersAction.reply(reply);
      }
    }
    this.request.apply(Direction.Request);
    return HeadersAction.CONTINUE;
  }

  onResponseHeaders(endOfStream: bool): HeadersAction {
    this.response.apply(Direction.Response);
    return HeadersAction.CONTINUE;
  }

  isDenied(path: string): bool {
    const query = path.indexOf("?");
    const bare = query < 0 ? path : path.substring(0, query);
    for (let i = 0; i < this.denyPrefixes.length; i++) {
      if (bare.startsWith(this.denyPrefixes[i])) return true;
    }
    return false;
  }
}

registerFilter(new RequestTag());
