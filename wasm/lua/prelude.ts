/**
 * The Lua side of the host: run once in every new Lua state before the script, with the table of host
 * functions (`host.ts`) as its argument. It closes the sandbox (no files, processes, modules, debug hooks or
 * precompiled chunks), adds what LuaJIT scripts written for Envoy expect (`unpack`, `loadstring`), and builds
 * the two stream handles of Envoy's Lua filter API, which it returns: the request handle and the response
 * handle. Each direction has its own host functions (`host.request`, `host.response`), used directly as the
 * methods of its header map and body buffer; the host refuses a direction's objects while the other
 * direction's script runs. `body()` yields until the body has ended, a synchronous `httpCall()` until its
 * response (which the resume passes back), `respond()` for good; the stream (`stream.ts`) tells those
 * yields apart.
 * @module
 */

/** The prelude's source. */
export const PRELUDE = `
local host = ...
local log, base64 = host.log, host.base64
local type, tostring, select, error, setmetatable, pairs = type, tostring, select, error, setmetatable, pairs
local yield, concat, unpack = coroutine.yield, table.concat, table.unpack

io, debug, package, require, dofile, loadfile = nil, nil, nil, nil, nil, nil
os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }
local load_text = load
function load(chunk, name, _, env)
  return load_text(chunk, name, "t", env)
end
loadstring = load
_G.unpack = unpack
function print(...)
  local parts, n = { ... }, select("#", ...)
  for i = 1, n do parts[i] = tostring(parts[i]) end
  log(2, concat(parts, "\\t", 1, n))
end

local Metadata = {}
Metadata.__index = Metadata
function Metadata:get() return nil end
function Metadata:__pairs() return function() return nil end, self, nil end

local LOG_LEVELS = { logTrace = 0, logDebug = 1, logInfo = 2, logWarn = 3, logErr = 4, logCritical = 5 }
local CALL_OPTIONS = {
  asynchronous = true, timeout_ms = true, trace_sampled = true, return_duplicate_headers = true, send_xff = true,
}

-- A headers table ({name = value or {values}}) as name, value, name, value, ...
local function flatten(fields)
  local flat, n = {}, 0
  for key, value in pairs(fields) do
    if type(value) == "table" then
      for _, each in pairs(value) do
        flat[n + 1], flat[n + 2], n = key, each, n + 2
      end
    else
      flat[n + 1], flat[n + 2], n = key, value, n + 2
    end
  end
  return flat, n
end

local function new_handle(dir, fns)
  local Headers = {
    add = fns.header_add,
    get = fns.header_get,
    getAtIndex = fns.header_at,
    getNumValues = fns.header_count,
    remove = fns.header_remove,
    replace = fns.header_replace,
  }
  Headers.__index = Headers
  local header_fields = fns.header_fields
  function Headers:__pairs()
    local fields, i = header_fields(self), -1
    return function()
      i = i + 2
      return fields[i], fields[i + 1]
    end, self, nil
  end

  local Buffer = { length = fns.body_length, getBytes = fns.body_bytes, setBytes = fns.body_set }
  Buffer.__index = Buffer

  local info_of = fns.info
  local StreamInfo = {}
  StreamInfo.__index = StreamInfo
  function StreamInfo:protocol() return info_of(self, 0) end
  function StreamInfo:routeName() return info_of(self, 1) end
  function StreamInfo:requestedServerName() return info_of(self, 2) end
  function StreamInfo:downstreamDirectRemoteAddress() return info_of(self, 3) end

  local headers = setmetatable({}, Headers)
  local buffer = setmetatable({}, Buffer)
  local info = setmetatable({}, StreamInfo)
  local metadata = setmetatable({}, Metadata)
  local body_wait, body_present, clear_route_cache = fns.body_wait, fns.body_present, fns.clear_route_cache

  local handle = {}
  function handle:headers() return headers end
  function handle:body(always_wrap)
    if always_wrap ~= nil and type(always_wrap) ~= "boolean" then
      error("bad argument #1 to 'body' (boolean expected, got " .. type(always_wrap) .. ")", 2)
    end
    if body_wait() then yield() end
    if body_present(always_wrap == true) then return buffer end
    return nil
  end
  function handle:streamInfo() return info end
  function handle:metadata() return metadata end
  function handle:clearRouteCache() clear_route_cache() end
  function handle:base64Escape(input) return base64(self, input) end
  for name, level in pairs(LOG_LEVELS) do
    handle[name] = function(_, message) log(level, message) end
  end
  local http_call = fns.http_call
  function handle:httpCall(cluster, fields, body, timeout, asynchronous)
    if type(fields) ~= "table" then
      error("bad argument #2 to 'httpCall' (table expected, got " .. type(fields) .. ")", 2)
    end
    local duplicates = false
    if type(timeout) == "table" then
      local options = timeout
      for key in pairs(options) do
        if not CALL_OPTIONS[key] then error('"' .. tostring(key) .. '" is not valid key for httpCall() options', 0) end
      end
      timeout, asynchronous = options.timeout_ms or 0, options.asynchronous and true or false
      duplicates = options.return_duplicate_headers and true or false
    elseif asynchronous ~= nil and type(asynchronous) ~= "boolean" then
      error("http call asynchronous flag must be 'true', 'false', or empty", 0)
    end
    local flat, n = flatten(fields)
    if http_call(cluster, body, timeout, asynchronous == true, duplicates, unpack(flat, 1, n)) then
      return yield()
    end
  end
  if dir == 0 then
    local respond = fns.respond
    function handle:respond(fields, body)
      if type(fields) ~= "table" then
        error("bad argument #1 to 'respond' (table expected, got " .. type(fields) .. ")", 2)
      end
      local flat, n = flatten(fields)
      respond(body, unpack(flat, 1, n))
      yield()
    end
  else
    function handle:respond()
      error("respond not currently supported in the response path", 0)
    end
  end
  return handle
end

return new_handle(0, host.request), new_handle(1, host.response)
`;
