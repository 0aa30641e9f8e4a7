// A test component driven by the request: header x-test picks what the request hook does, x-body what the
// request body hook does; the configuration ({"fail": true}, {"metric": NAME}, anything) is echoed into
// x-config. Covers every action, send-reply, traps, fuel, properties, shared data, logs and metrics.
import {
  addHeader,
  BodyAction,
  Direction,
  Filter,
  getHeader,
  getHeaders,
  getPropertyString,
  HeadersAction,
  JsonKind,
  LocalReply,
  log,
  LogLevel,
  Metric,
  MetricType,
  parseJson,
  registerFilter,
  sendReply,
  setHeader,
  sharedGet,
  sharedSet,
  utf8,
} from "@portcullis/component-sdk";

function upper(body: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(body.byteLength);
  const bytes = Uint8Array.wrap(body);
  for (let i = 0; i < out.length; i++) {
    const c = bytes[i];
    out[i] = c >= 97 && c <= 122 ? c - 32 : c;
  }
  return out.buffer;
}

function concat(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(Uint8Array.wrap(a), 0);
  out.set(Uint8Array.wrap(b), a.byteLength);
  return out.buffer;
}

function spin(n: i32): i32 {
  let x = n;
  while (x >= 0) x = (x * 7 + 1) & 0xffff;
  return x;
}

function recurse(n: i32): i32 {
  return n == 0 ? 0 : recurse(n + 1) + 1;
}

class Actions extends Filter {
  config: string = "";
  requests: Metric | null = null;

  configure(config: string): string | null {
    this.config = config;
    const root = parseJson(config.length == 0 ? "{}" : config);
    if (root === null || root.kind != JsonKind.Object) return "the configuration must be a JSON object";
    const fail = root.get("fail");
    if (fail !== null && fail.kind == JsonKind.Bool && fail.boolValue) return "configured to fail";
    const metric = root.getString("metric", "");
    if (metric.length > 0) this.requests = Metric.define(MetricType.Counter, metric);
    return null;
  }

  onRequestHeaders(endOfStream: bool): HeadersAction {
    if (this.requests !== null) this.requests!.increment();
    setHeader(Direction.Request, "x-config", this.config);
    const test = getHeader(Direction.Request, "x-test");
    if (test === null) return HeadersAction.CONTINUE;
    if (test == "reply") {
      const reply = new LocalReply(418).withText("teapot").withHeader("x-why", "test");
      reply.details = "actions_reply";
      return HeadersAction.reply(reply);
    }
    if (test == "send-reply") {
      sendReply(new LocalReply(451).withText("sent"));
      return HeadersAction.CONTINUE;
    }
    if (test == "bad-reply") return HeadersAction.reply(new LocalReply(42));
    if (test == "bad-header") setHeader(Direction.Request, "bad name", "x");
    if (test == "trap") unreachable();
    if (test == "loop") addHeader(Direction.Request, "x-never", spin(1).toString());
    if (test == "recurse") addHeader(Direction.Request, "x-never", recurse(1).toString());
    if (test == "log") log(LogLevel.Info, "hello from the component: " + getHeader(Direction.Request, ":path")!);
    if (test == "echo") {
      const value = getHeader(Direction.Request, "x-in");
      addHeader(Direction.Request, "x-echo", value === null ? "(none)" : value);
      addHeader(Direction.Request, "x-count", getHeaders(Direction.Request).length.toString());
    }
    if (test == "props") {
      const path = getPropertyString(["request", "path"]);
      const plugin = getPropertyString(["plugin_name"]);
      const missing = getPropertyString(["no", "such"]);
      addHeader(Direction.Request, "x-prop-path", path === null ? "(none)" : path);
      addHeader(Direction.Request, "x-prop-plugin", plugin === null ? "(none)" : plugin);
      addHeader(Direction.Request, "x-prop-missing", missing === null ? "(none)" : missing);
    }
    if (test == "shared") {
      let hits: u32 = 0;
      for (let attempt = 0; attempt < 5; attempt++) {
        const entry = sharedGet("hits");
        const current = entry === null ? 0 : <u32>parseInt(String.UTF8.decode(entry.value));
        const cas = entry === null ? 0 : entry.cas;
        if (sharedSet("hits", utf8((current + 1).toString()), cas)) {
          hits = current + 1;
          break;
        }
      }
      addHeader(Direction.Request, "x-hits", hits.toString());
      const stale = sharedSet("hits", utf8("0"), 999999);
      addHeader(Direction.Request, "x-stale-cas", stale ? "accepted" : "refused");
    }
    if (test == "response-write") setHeader(Direction.Response, "x-too-early", "1");
    return HeadersAction.CONTINUE;
  }

  onRequestBody(body: ArrayBuffer, endOfStream: bool): BodyAction {
    const mode = getHeader(Direction.Request, "x-body");
    if (mode === null) return BodyAction.CONTINUE;
    if (mode == "upper") return endOfStream ? BodyAction.replace(upper(body)) : BodyAction.BUFFER;
    if (mode == "buffer") return BodyAction.BUFFER;
    if (mode == "reply") return BodyAction.reply(new LocalReply(422).withText("bad body"));
    return BodyAction.CONTINUE;
  }

  onResponseHeaders(endOfStream: bool): HeadersAction {
    const test = getHeader(Direction.Request, "x-test");
    if (test !== null && test == "response-reply") {
      return HeadersAction.reply(new LocalReply(502).withText("upstream refused by filter"));
    }
    setHeader(Direction.Response, "x-status-seen", getHeader(Direction.Response, ":status")!);
    return HeadersAction.CONTINUE;
  }

  onResponseBody(body: ArrayBuffer, endOfStream: bool): BodyAction {
    const test = getHeader(Direction.Request, "x-test");
    if (test === null || test != "response-append") return BodyAction.CONTINUE;
    return endOfStream ? BodyAction.replace(concat(body, utf8("!"))) : BodyAction.BUFFER;
  }
}

registerFilter(new Actions());
