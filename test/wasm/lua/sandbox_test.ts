import assert from "node:assert/strict";
import { CONTINUE, FAIL_CLOSE_REPLY } from "../../../wasm/mod.ts";
import { dataOf, loadLua, replyOf } from "../../helpers/lua.ts";
import { bytes, requestHeaders, responseHeaders } from "../../helpers/wasm.ts";

const FAILED = { action: "reply", reply: FAIL_CLOSE_REPLY };

Deno.test("lua sandbox: a runaway loop spends the instruction budget, even under pcall; a new VM serves next", async () => {
  await using lua = await loadLua(
    `
    local calls = 0
    function envoy_on_request(h)
      calls = calls + 1
      h:headers():add("x-calls", calls)
      local path = h:headers():get(":path")
      if path == "/spin" then while true do end end
      if path == "/stubborn" then
        while true do pcall(function() while true do end end) end
      end
    end
  `,
    { instructionsPerCall: 100_000 },
  );
  for (const path of ["/spin", "/stubborn"]) {
    assert.deepEqual(lua.plugin.createStream().onRequestHeaders(requestHeaders({ path }), true), FAILED);
    assert.equal(lua.plugin.lastError, "instruction budget of 100000 exhausted (runaway loop?)");
    const map = requestHeaders();
    assert.equal(lua.plugin.createStream().onRequestHeaders(map, true), CONTINUE);
    assert.equal(map.get("x-calls"), "1", "the new VM runs the script from the start");
  }
  assert.equal(lua.plugin.restarts, 2);
});

Deno.test("lua sandbox: the heap cap fails the VM", async () => {
  await using lua = await loadLua(
    `
    local kept = {}
    function envoy_on_request(h)
      if h:headers():get(":path") == "/grow" then
        for i = 1, 1e7 do kept[i] = string.rep("x", 64) .. i end
      end
    end
  `,
    { limits: { maxMemoryBytes: 2 * 1024 * 1024 } },
  );
  assert.deepEqual(
    lua.plugin.createStream().onRequestHeaders(requestHeaders({ path: "/grow" }), true),
    FAILED,
  );
  assert.equal(lua.plugin.lastError, "Lua heap limit of 2097152 bytes reached");
  assert.equal(lua.plugin.createStream().onRequestHeaders(requestHeaders(), true), CONTINUE);
});

Deno.test("lua sandbox: no files, processes, modules, debug or bytecode; LuaJIT's unpack and loadstring", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h)
      local gone = {}
      for _, name in ipairs({"io", "debug", "package", "require", "dofile", "loadfile"}) do
        if _G[name] ~= nil then gone[#gone + 1] = name end
      end
      for _, name in ipairs({"execute", "exit", "getenv", "remove"}) do
        if os[name] ~= nil then gone[#gone + 1] = "os." .. name end
      end
      h:headers():add("x-left", table.concat(gone, ","))
      local chunk, err = load(string.dump(function() end))
      h:headers():add("x-bytecode", tostring(chunk) .. " " .. err)
      h:headers():add("x-compat", unpack({loadstring("return 'ok'")()}) .. " " .. type(os.time()))
    end
  `);
  const map = requestHeaders();
  lua.plugin.createStream().onRequestHeaders(map, true);
  assert.equal(map.get("x-left"), "");
  assert.equal(map.get("x-bytecode"), "nil attempt to load a binary chunk (mode is 't')");
  assert.equal(map.get("x-compat"), "ok number");
});

Deno.test("lua sandbox: coroutines of ended streams are reset and reused", async () => {
  await using lua = await loadLua(`
    function envoy_on_request(h) h:headers():add("x-size", h:body():length()) end
  `);
  const waiting = Array.from({ length: 40 }, () => {
    const stream = lua.plugin.createStream();
    assert.equal(stream.onRequestHeaders(requestHeaders({ method: "POST" }), false), CONTINUE);
    assert.equal(stream.awaitingBody, true);
    return stream;
  });
  for (const stream of waiting) stream.complete();
  const map = requestHeaders({ method: "POST" });
  const stream = lua.plugin.createStream();
  stream.onRequestHeaders(map, false);
  assert.equal(dataOf(stream.onRequestBody(bytes("abc"), true)), "abc");
  assert.equal(map.get("x-size"), "3");
  assert.equal(stream.onResponseHeaders(responseHeaders(200), true), CONTINUE);
  stream.complete();
});

Deno.test("lua sandbox: a stream waiting in body() fails closed when the VM fails meanwhile", async () => {
  await using lua = await loadLua(
    `
    function envoy_on_request(h)
      if h:headers():get(":path") == "/spin" then while true do end end
      h:body()
    end
  `,
    { instructionsPerCall: 100_000 },
  );
  const waiting = lua.plugin.createStream();
  assert.equal(waiting.onRequestHeaders(requestHeaders({ method: "POST" }), false), CONTINUE);
  assert.deepEqual(
    lua.plugin.createStream().onRequestHeaders(requestHeaders({ path: "/spin" }), true),
    FAILED,
  );
  assert.equal(replyOf(waiting.onRequestBody(bytes("late"), true)).status, 503);
  waiting.complete();
});
