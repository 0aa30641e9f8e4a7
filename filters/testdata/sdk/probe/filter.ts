// A filter exercising the SDK for its tests (test/filters/sdk_test.ts): configuration JSON, headers,
// properties, bodies, http_call from a stream and from the root (on a tick), shared data with CAS, shared
// queues, metrics, logging and local replies.
import {
  Action,
  Counter,
  Gauge,
  getPropertyInt,
  getPropertyString,
  HeaderPair,
  Histogram,
  HttpCallResponse,
  JsonValue,
  jsonError,
  log,
  nowMillis,
  pairs,
  parseJson,
  registerFilter,
  request,
  response,
  resumeRequest,
  RootContext,
  sendLocalReply,
  SharedData,
  SharedQueue,
  StreamContext,
  WasmResult,
} from "@portcullis/filter-sdk";

const requests = new Counter("probe_requests");
const inFlight = new Gauge("probe_in_flight");
const sizes = new Histogram("probe_body_bytes");

function describe(v: JsonValue): string {
  if (v.isString()) return "s:" + v.stringValue;
  if (v.isNumber()) return "n:" + v.numberValue.toString();
  if (v.isBool()) return v.boolValue ? "true" : "false";
  if (v.isNull()) return "null";
  const parts = new Array<string>();
  if (v.isArray()) {
    for (let i = 0; i < v.items.length; i++) parts.push(describe(v.items[i]));
    return "[" + parts.join(",") + "]";
  }
  for (let i = 0; i < v.keys.length; i++) parts.push(v.keys[i] + "=" + describe(v.values[i]));
  return "{" + parts.join(",") + "}";
}

function increment(key: string): i64 {
  for (let attempt = 0; attempt < 100; attempt++) {
    const current = SharedData.get(key);
    const next = current === null ? 1 : I64.parseInt(current.text()) + 1;
    const status = SharedData.set(key, next.toString(), current === null ? 0 : current.cas);
    if (status == WasmResult.Ok) return next;
  }
  return -1;
}

class ProbeRoot extends RootContext {
  queue: u32 = 0;

  onConfigure(config: string): bool {
    if (config.length == 0) return true;
    const json = parseJson(config);
    if (json === null) {
      log.error("bad config: " + jsonError());
      return false;
    }
    SharedData.set("config", describe(json));
    if (json.getBool("consumer")) this.queue = SharedQueue.register("events");
    const tick = json.getInt("tickMs", 0);
    if (tick > 0) this.setTickPeriod(<u32>tick);
    return true;
  }

  newStream(): StreamContext {
    return new ProbeStream(this);
  }

  onTick(): void {
    SharedData.set("last-tick", nowMillis().toString());
    this.httpCall("stats", pairs([":method", "GET", ":path", "/tick", ":authority", "stats"]), "", 500);
  }

  onHttpCallResponse(r: HttpCallResponse): void {
    SharedData.set("tick-answer", r.failed ? "failed" : r.status.toString() + " " + r.body.text());
  }

  onQueueReady(queueId: u32): void {
    let item = SharedQueue.dequeue(queueId);
    while (item !== null) {
      const seen = SharedData.get("events-seen");
      SharedData.set("events-seen", seen === null ? item! : seen.text() + "," + item!);
      item = SharedQueue.dequeue(queueId);
    }
  }
}

class ProbeStream extends StreamContext {
  constructor(public root: ProbeRoot) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    requests.increment();
    inFlight.add(1);
    const path = request.headers.get(":path")!;
    request.headers.set("x-source", getPropertyString("source.address")!);
    request.headers.set("x-source-port", getPropertyInt("source.port", -1).toString());
    const route = getPropertyString("route_name");
    request.headers.set("x-route", route === null ? "<none>" : route);
    request.headers.set("x-count", increment("count").toString());
    const item = request.headers.get("x-enqueue");
    if (item !== null) {
      const vm = getPropertyString("plugin_vm_id");
      const id = SharedQueue.resolve(vm === null ? "" : vm, "events");
      request.headers.set("x-enqueued", id == 0 ? "no queue" : (<i32>SharedQueue.enqueue(id, item)).toString());
    }
    if (path == "/deny") {
      sendLocalReply(418, "no tea\n", pairs(["x-why", "teapot"]), "probe_denied");
      return Action.Pause;
    }
    if (path == "/call") {
      const auth = request.headers.get("authorization");
      const headers = pairs([":method", "POST", ":path", "/check", ":authority", "auth"]);
      if (auth !== null) headers.push(new HeaderPair("authorization", auth));
      const token = this.httpCall("auth", headers, "who?", 1000);
      if (token == 0) {
        sendLocalReply(500, "call refused\n");
        return Action.Pause;
      }
      return Action.Pause;
    }
    const all = request.headers.all();
    request.headers.set("x-header-count", all.length.toString());
    return Action.Continue;
  }

  onHttpCallResponse(r: HttpCallResponse): void {
    if (r.failed) {
      sendLocalReply(503, "auth unavailable\n");
      return;
    }
    if (r.status != 200) {
      sendLocalReply(403, "denied: " + r.body.text());
      return;
    }
    const user = r.headers.get("x-user");
    request.headers.set("x-user", user === null ? "?" : user);
    request.headers.set("x-auth-body", r.body.text());
    resumeRequest();
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    if (!endOfStream) return Action.Pause;
    sizes.record(bodySize);
    request.body.replace(request.body.text().toUpperCase());
    return Action.Continue;
  }

  onResponseHeaders(endOfStream: bool): Action {
    response.headers.add("x-status-seen", response.headers.get(":status")!);
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    if (endOfStream) response.body.append("<!-- probe -->");
    return Action.Continue;
  }

  onLog(): void {
    inFlight.add(-1);
    log.info("log: " + getPropertyInt("response.code").toString());
  }
}

registerFilter((): RootContext => new ProbeRoot());
