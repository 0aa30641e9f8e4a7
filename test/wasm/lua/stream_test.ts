import assert from "node:assert/strict";
import { CONTINUE, FAIL_CLOSE_REPLY, PluginLoadError } from "../../../wasm/mod.ts";
import { dataOf, loadLua, messages, replyOf } from "../../helpers/lua.ts";
import { bytes, requestHeaders, responseHeaders, text } from "../../helpers/wasm.ts";

const ERROR = 4;

Deno.test("lua stream: header edits in both directions, pseudo-headers as Envoy exposes them", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      local headers = h:headers()
      headers:add("x-seen", headers:get(":method") .. " " .. headers:get(":authority") .. headers:get(":path"))
      headers:add("x-tags", headers:get("x-tag") .. "|" .. headers:getNumValues("x-tag") .. "|" ..
        headers:getAtIndex("x-tag", 1))
      headers:replace("x-replace", "new")
      headers:remove("x-remove")
      headers:replace(":path", "/rewritten")
      local names = {}
      for name, _ in pairs(headers) do names[#names + 1] = name end
      headers:add("x-count", #names)
    end
    function envoy_on_response(h)
      h:headers():add("x-status", h:headers():get(":status"))
      h:headers():replace("server", "lua")
    end
  `);
  const map = requestHeaders({ method: "POST", path: "/a?b=1", authority: "shop.example" }, [
    ["x-tag", "a"],
    ["x-tag", "b"],
    ["x-replace", "old"],
    ["x-replace", "older"],
    ["x-remove", "1"],
  ]);
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, true), CONTINUE);
  assert.equal(map.get("x-seen"), "POST shop.example/a?b=1");
  assert.equal(map.get("x-tags"), "a,b|2|b");
  assert.deepEqual(map.getAll("x-replace"), ["new"]);
  assert.equal(map.get("x-remove"), null);
  assert.equal(map.get(":path"), "/rewritten");
  assert.equal(map.get("x-count"), "9", "pseudo-headers, x-tag twice, x-replace, x-seen, x-tags");
  assert.equal(stream.routeCacheCleared, true);
  const response = responseHeaders(201, [["server", "up"]]);
  assert.equal(stream.onResponseHeaders(response, true), CONTINUE);
  assert.deepEqual(response.fields, [":status", "201", "server", "lua", "x-status", "201"]);
  stream.complete();
  assert.equal(lua.plugin.abi, "lua");
});

Deno.test("lua stream: respond() answers with a local reply; not in the response path", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      if h:headers():get(":path") == "/deny" then
        h:respond({[":status"] = "403", ["x-why"] = {"lua", "policy"}, ["x-n"] = 7}, "denied by lua")
        h:headers():add("x-after", "never")
      end
      if h:headers():get(":path") == "/bad" then h:respond({[":status"] = "99"}) end
    end
    function envoy_on_response(h) h:respond({[":status"] = "500"}) end
  `);
  const denied = requestHeaders({ path: "/deny" });
  const reply = replyOf(lua.plugin.createStream().onRequestHeaders(denied, true));
  assert.equal(reply.status, 403);
  assert.equal(reply.details, "lua_response");
  assert.equal(text(reply.body), "denied by lua");
  assert.deepEqual(reply.headers.getAll("x-why").sort(), ["lua", "policy"]);
  assert.equal(reply.headers.get("x-n"), "7");
  assert.equal(denied.get("x-after"), null, "respond() ends the script");

  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(requestHeaders({ path: "/bad" }), true), CONTINUE);
  assert.equal(stream.onResponseHeaders(responseHeaders(200), true), CONTINUE);
  assert.deepEqual(messages(lua.log, ERROR), [
    "script log: :status must be between 200-599",
    "script log: respond not currently supported in the response path",
  ]);
});

Deno.test("lua stream: body() waits for the whole body; edits after it apply to headers and body", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      local body = h:body()
      h:headers():add("x-size", body:length())
      h:headers():add("x-head", body:getBytes(0, 5))
      body:setBytes(string.upper(body:getBytes(0, body:length())))
    end
    function envoy_on_response(h)
      local body = h:body()
      h:headers():add("x-response-size", body and body:length() or "none")
      h:headers():add("x-wrapped", h:body(true):length())
    end
  `);
  const map = requestHeaders({ method: "POST" });
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, false), CONTINUE);
  assert.equal(stream.awaitingBody, true);
  assert.equal(map.get("x-size"), null, "the script waits in body()");
  assert.deepEqual(stream.onRequestBody(bytes("hello "), false), { action: "buffer" });
  assert.equal(dataOf(stream.onRequestBody(bytes("world"), true)), "HELLO WORLD");
  assert.equal(stream.awaitingBody, false);
  assert.equal(map.get("x-size"), "11");
  assert.equal(map.get("x-head"), "hello");
  const response = responseHeaders(204);
  assert.equal(stream.onResponseHeaders(response, true), CONTINUE);
  assert.equal(stream.awaitingBody, false, "no body to wait for");
  assert.equal(response.get("x-response-size"), "none");
  assert.equal(response.get("x-wrapped"), "0");
  stream.complete();
});

Deno.test("lua stream: a body past maxBodyBytes (in any chunk) gets Envoy's 413 (request) and 500 (response)", async () => {
  await using lua = await loadLua(
    `function envoy_on_request(h) h:body() end
     function envoy_on_response(h) h:body() end`,
    { limits: { maxBodyBytes: 8 } },
  );
  const request = lua.plugin.createStream();
  request.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  assert.deepEqual(request.onRequestBody(bytes("12345"), false), { action: "buffer" });
  const tooLarge = replyOf(request.onRequestBody(bytes("6789"), false));
  assert.equal(tooLarge.status, 413);
  request.complete();
  const whole = lua.plugin.createStream();
  whole.onRequestHeaders(requestHeaders({ method: "POST" }), false);
  assert.equal(replyOf(whole.onRequestBody(bytes("123456789"), true)).status, 413, "a last chunk counts too");
  whole.complete();
  const response = lua.plugin.createStream();
  response.onRequestHeaders(requestHeaders(), true);
  response.onResponseHeaders(responseHeaders(200), false);
  assert.equal(replyOf(response.onResponseBody(bytes("123456789"), false)).status, 500);
  response.complete();
});

Deno.test("lua stream: a script error is logged and the stream goes on, as in Envoy", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      h:headers():add("x-before", "1")
      local missing = nil
      missing.field = 1
    end
    function envoy_on_response(h) h:headers():add("x-response", "still runs") end
  `);
  const map = requestHeaders();
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(map, true), CONTINUE);
  assert.equal(map.get("x-before"), "1", "edits made before the error stay");
  const response = responseHeaders(200);
  assert.equal(stream.onResponseHeaders(response, true), CONTINUE);
  assert.equal(response.get("x-response"), "still runs");
  const [error] = messages(lua.log, ERROR);
  assert.match(
    error,
    /^script log: \[string "\.\.\."\]:5: attempt to index a nil value \(local 'missing'\)$/,
  );
  assert.equal(lua.plugin.state, "ready");
});

Deno.test("lua stream: a handle used outside its own call, and a stray yield, are script errors", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      saved = h
      if h:headers():get(":path") == "/yield" then coroutine.yield() end
    end
    function envoy_on_response(h) saved:headers():add("x-late", "1") end
  `);
  const stream = lua.plugin.createStream();
  assert.equal(stream.onRequestHeaders(requestHeaders({ path: "/yield" }), true), CONTINUE);
  assert.equal(stream.onResponseHeaders(responseHeaders(200), true), CONTINUE);
  assert.deepEqual(messages(lua.log, ERROR), [
    "script log: script performed an unexpected yield",
    "script log: object used outside of proper scope",
  ]);
});

Deno.test("lua stream: logging levels, print, stream info; one Lua state serves every request", async () => {
  await using lua = await loadLua(`
    local served = 0
    function envoy_on_request(h)
      served = served + 1
      h:logDebug("debug line")
      h:logWarn("served " .. served)
      print("printed", served)
      local info = h:streamInfo()
      h:headers():add("x-info", info:protocol() .. " " .. info:routeName() .. " " ..
        info:downstreamDirectRemoteAddress() .. " [" .. info:requestedServerName() .. "]")
      h:headers():add("x-b64", h:base64Escape("hi!"))
      h:headers():add("x-meta", tostring(h:metadata():get("k")))
    end
  `);
  const info = {
    source: { address: "10.0.0.7", port: 41000 },
    request: { protocol: "HTTP/1.1" },
    routeName: "r1",
  };
  for (let i = 0; i < 2; i++) {
    const map = requestHeaders();
    lua.plugin.createStream(info).onRequestHeaders(map, true);
    assert.equal(map.get("x-info"), "HTTP/1.1 r1 10.0.0.7:41000 []");
    assert.equal(map.get("x-b64"), "aGkh");
    assert.equal(map.get("x-meta"), "nil");
  }
  const scriptLines = lua.log.filter((e) => e.message.startsWith("script log:"));
  assert.deepEqual(scriptLines.map((e) => [e.level, e.message]), [
    [1, "script log: debug line"],
    [3, "script log: served 1"],
    [2, "script log: printed\t1"],
    [1, "script log: debug line"],
    [3, "script log: served 2"],
    [2, "script log: printed\t2"],
  ]);
});

Deno.test("lua plugin: a syntax error or a failing top level fails the load with the message", async () => {
  await assert.rejects(
    () => loadLua("function envoy_on_request(h) h:headers( end"),
    (e: Error) => {
      assert.ok(e instanceof PluginLoadError);
      assert.equal(
        e.message,
        `Cannot load Lua plugin "lua": [string "function envoy_on_request(h) h:headers( end"]:1: unexpected symbol near 'end'`,
      );
      return true;
    },
  );
  await assert.rejects(() => loadLua(`error("no config")`), /Cannot load Lua plugin "lua": .*:1: no config/);
});

Deno.test("lua plugin: a failed VM fails its streams per failStrategy", async () => {
  await using lua = await loadLua(`function envoy_on_request(h) while true do end end`, {
    instructionsPerCall: 50_000,
    failStrategy: "FAIL_OPEN",
  });
  assert.equal(lua.plugin.createStream().onRequestHeaders(requestHeaders(), true), CONTINUE);
  assert.equal(lua.plugin.state, "failed");
  await using closed = await loadLua(`function envoy_on_request(h) while true do end end`, {
    instructionsPerCall: 50_000,
  });
  const stream = closed.plugin.createStream();
  assert.deepEqual(stream.onRequestHeaders(requestHeaders(), true), {
    action: "reply",
    reply: FAIL_CLOSE_REPLY,
  });
  assert.equal(stream.onResponseHeaders(responseHeaders(503), true), CONTINUE, "one reply per stream");
});
