import assert from "node:assert/strict";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";
import { type CalloutRequest, type CalloutResponse, CONTINUE, type DataOutcome } from "../../../wasm/mod.ts";
import { dataOf, loadLua, messages, replyOf, resumedOf } from "../../helpers/lua.ts";
import { bytes, requestHeaders, responseHeaders, text } from "../../helpers/wasm.ts";

const AUTH = `
function envoy_on_request(handle)
  local path = handle:headers():get(":path")
  if path == "/async" then
    handle:httpCall("auth", {[":method"] = "POST", [":path"] = "/log", [":authority"] = "auth"}, "x", 0, true)
    handle:headers():add("x-async", "sent")
    return
  end
  local headers, body = handle:httpCall("auth", {
    [":method"] = "GET", [":path"] = "/check" .. path, [":authority"] = "auth",
    ["authorization"] = handle:headers():get("authorization") or "",
  }, nil, 500)
  if headers[":status"] ~= "200" then
    handle:respond({[":status"] = "403", ["x-auth-status"] = headers[":status"]}, body)
  end
  handle:headers():add("x-user", body)
  handle:headers():add("x-auth-tags", headers["x-tag"])
end`;

/** A callout to cluster `auth` answering from `answer`; the requests it saw. */
function authCallout(answer: (req: CalloutRequest) => Promise<CalloutResponse>) {
  const seen: CalloutRequest[] = [];
  const callout = (req: CalloutRequest) => {
    if (req.cluster !== "auth") return undefined;
    seen.push(req);
    return answer(req);
  };
  return { seen, callout };
}

const ok = (body: string, fields: string[] = []) =>
  Promise.resolve({ status: 200, headers: new HeaderList(fields), body: bytes(body) });

Deno.test("lua httpCall: the stream pauses for the response, then the script goes on with it", async () => {
  const { seen, callout } = authCallout(() => ok("alice", ["x-tag", "a", "x-tag", "b"]));
  await using lua = await loadLua(AUTH, { callout });
  const map = requestHeaders({ path: "/items" }, [["authorization", "Bearer good"]]);
  const stream = lua.plugin.createStream();
  const resumed = resumedOf(stream.onRequestHeaders(map, true));
  assert.equal(map.get("x-user"), null, "nothing happens before the response");
  assert.equal(await resumed, CONTINUE);
  assert.equal(map.get("x-user"), "alice");
  assert.equal(map.get("x-auth-tags"), "b", "repeated names: the last value, as Envoy");
  const [req] = seen;
  assert.deepEqual(req.headers.getAll(":path"), ["/check/items"]);
  assert.equal(req.headers.get("authorization"), "Bearer good");
  assert.equal(req.timeoutMs, 500);
  assert.equal(req.body.length, 0);
  stream.complete();
});

Deno.test("lua httpCall: a denial becomes respond(); a failed call reads as Envoy's 503 'upstream failure'", async () => {
  const { callout } = authCallout((req) =>
    req.headers.get(":path") === "/check/fail"
      ? Promise.reject(new Error("connect refused"))
      : Promise.resolve({ status: 401, headers: new HeaderList(), body: bytes("who are you") })
  );
  await using lua = await loadLua(AUTH, { callout });
  for (const [path, status, body] of [["/x", "401", "who are you"], ["/fail", "503", "upstream failure"]]) {
    const reply = replyOf(
      await resumedOf(lua.plugin.createStream().onRequestHeaders(requestHeaders({ path }), true)),
    );
    assert.equal(reply.status, 403);
    assert.equal(reply.headers.get("x-auth-status"), status);
    assert.equal(text(reply.body), body);
  }
});

Deno.test("lua httpCall: fire and forget, an unknown cluster, bad headers", async () => {
  const { seen, callout } = authCallout(() => ok("logged"));
  await using lua = await loadLua(
    `${AUTH}
    function envoy_on_response(handle)
      local path = handle:headers():get("x-case")
      if path == "unknown" then handle:httpCall("nowhere", {[":method"] = "GET", [":path"] = "/", [":authority"] = "x"}, nil, 0) end
      if path == "headers" then handle:httpCall("auth", {[":method"] = "GET"}, nil, 0) end
      if path == "options" then handle:httpCall("auth", {[":method"] = "GET", [":path"] = "/", [":authority"] = "x"}, nil, {bogus = 1}) end
    end`,
    { callout },
  );
  const map = requestHeaders({ path: "/async" });
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, true), CONTINUE, "an asynchronous call does not pause");
  assert.equal(map.get("x-async"), "sent");
  assert.equal(text(seen[0].body), "x");
  assert.equal(seen[0].headers.get("content-length"), "1");
  for (const value of ["unknown", "headers", "options"]) {
    assert.equal(stream.onResponseHeaders(responseHeaders(200, [["x-case", value]]), true), CONTINUE);
  }
  assert.deepEqual(messages(lua.log, 4), [
    "script log: http call cluster invalid. Must be configured",
    "script log: http call headers must include ':path', ':method', and ':authority'",
    'script log: "bogus" is not valid key for httpCall() options',
  ]);
});

Deno.test("lua httpCall: after body(), with duplicate headers kept; the stream's end aborts a pending call", async () => {
  let release: (() => void) | undefined;
  const { seen, callout } = authCallout((req) =>
    req.headers.get(":path") === "/hang"
      ? new Promise((_, reject) => req.signal.addEventListener("abort", () => reject(req.signal.reason)))
      : new Promise((resolve) =>
        release = () =>
          resolve({ status: 200, headers: new HeaderList(["v", "1", "v", "2"]), body: bytes("") })
      )
  );
  await using lua = await loadLua(
    `function envoy_on_request(handle)
      local size = handle:body():length()
      local path = handle:headers():get(":path")
      local headers, body = handle:httpCall("auth", {[":method"] = "GET", [":path"] = path, [":authority"] = "a"},
        nil, {timeout_ms = 100, return_duplicate_headers = true})
      handle:headers():add("x-v", table.concat(headers["v"], "+") .. " " .. tostring(body) .. " " .. size)
    end`,
    { callout },
  );
  const map = requestHeaders({ method: "POST", path: "/ok" });
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, false), CONTINUE);
  const resumed = resumedOf(stream.onRequestBody(bytes("abc"), true));
  release!();
  assert.equal(dataOf(await resumed as DataOutcome), "abc");
  assert.equal(map.get("x-v"), "1+2 nil 3");
  stream.complete();

  const hanging = lua.plugin.createStream();
  hanging.onRequestHeaders(requestHeaders({ method: "POST", path: "/hang" }), false);
  const pending = resumedOf(hanging.onRequestBody(bytes("abc"), true));
  hanging.complete();
  assert.deepEqual(await pending, { action: "reset" });
  assert.equal(seen.at(-1)!.signal.aborted, true);
});
