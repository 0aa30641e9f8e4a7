/**
 * The host functions behind the prelude's stream handles (`prelude.ts`), as Lua C functions written in
 * JavaScript: header maps (get, getAtIndex, getNumValues, add, replace, remove, iteration), the held body
 * (wait, length, getBytes, setBytes), `respond()`, `httpCall()` (through the data path's callout), logging,
 * stream info, route cache and base64. They act on
 * the stream whose script runs ({@linkcode LuaHost.current}) and raise Lua errors, with Envoy's messages where
 * Envoy has one, for arguments Envoy refuses.
 * @module
 */
import { HeaderList, isHeaderValue } from "../../gateway/proxy/header_list.ts";
import type { LogLevel } from "../abi/enums.ts";
import { validFieldName } from "../host/header_maps.ts";
import type { StreamInfo } from "../properties/stream_info.ts";
import type { CalloutResponse, HttpCallout } from "../runtime/callout.ts";
import type { LocalReply } from "../runtime/results.ts";
import { type LuaRuntime, LuaType } from "./runtime.ts";

/** Details of a local reply sent by `respond()` (Envoy's `lua_response`). */
export const LUA_REPLY_DETAILS = "lua_response";

/** What the host functions need from the stream whose script runs; directions are 0 (request) and 1 (response). */
export interface LuaHostStream {
  /** The direction whose script runs. */
  readonly running: number;
  /** The data path's facts about the stream. */
  readonly info: StreamInfo;
  /** The header map of `direction` (pseudo-headers included). */
  headerMap(direction: number): HeaderList;
  /** The script changed the headers of `direction`. */
  headersChanged(direction: number): void;
  /** True when the body of `direction` has not ended yet: the stream holds it and the script waits for it. */
  waitForBody(direction: number): boolean;
  /** Whether `body()` returns a buffer: a body was held, or the script asked for one regardless. */
  hasBody(direction: number, alwaysWrap: boolean): boolean;
  /** The held body of `direction`. */
  body(direction: number): Uint8Array;
  /** Replaces the held body of `direction`. */
  setBody(direction: number, bytes: Uint8Array): void;
  /** `respond()`: the stream answers with `reply` (the script then yields for good). */
  respond(reply: LocalReply): void;
  /** `clearRouteCache()`. */
  clearRouteCache(): void;
  /** Aborted when the stream ends: the signal of its `httpCall()`s. */
  callSignal(): AbortSignal;
  /** A synchronous `httpCall()`: the script yields until `pending` settles. */
  awaitCall(pending: Promise<CalloutResponse>, duplicateHeaders: boolean): void;
}

const TYPE_NAMES = [
  "nil",
  "boolean",
  "userdata",
  "number",
  "string",
  "table",
  "function",
  "userdata",
  "thread",
];
const EMPTY = new Uint8Array(0);
const STATUS = /^[0-9]{3}$/;

/** A Lua C function: reads its arguments from `L`, pushes its results, returns how many. */
type HostFunction = (L: number) => number;

/** The host functions of one Lua runtime, and the stream they act on. */
export class LuaHost {
  /** The stream whose script runs, if any. */
  current: LuaHostStream | undefined;
  readonly #runtime: LuaRuntime;
  readonly #log: (level: LogLevel, message: string) => void;
  readonly #callout: HttpCallout | undefined;
  /** Function pointers: those of each direction's objects (the direction bound in), then the shared ones. */
  readonly #pointers: [Map<string, number>, Map<string, number>, Map<string, number>] = [
    new Map(),
    new Map(),
    new Map(),
  ];

  /** The functions of `runtime`, logging script messages through `log`, calling out through `callout`. */
  constructor(
    runtime: LuaRuntime,
    log: (level: LogLevel, message: string) => void,
    callout: HttpCallout | undefined,
  ) {
    this.#runtime = runtime;
    this.#log = log;
    this.#callout = callout;
    for (const direction of [0, 1]) {
      const functions: Record<string, HostFunction> = {
        header_get: (L) => this.#headerGet(L, direction),
        header_at: (L) => this.#headerAt(L, direction),
        header_count: (L) => this.#headerCount(L, direction),
        header_add: (L) => this.#headerWrite(L, direction, "add"),
        header_replace: (L) => this.#headerWrite(L, direction, "replace"),
        header_remove: (L) => this.#headerRemove(L, direction),
        header_fields: (L) => this.#headerFields(L, direction),
        body_wait: (L) => this.#pushBoolean(L, this.#stream(L, direction).waitForBody(direction)),
        body_present: (L) =>
          this.#pushBoolean(
            L,
            this.#stream(L, direction).hasBody(direction, runtime.api.lua_toboolean(L, 1) !== 0),
          ),
        body_length: (L) => this.#bodyLength(L, direction),
        body_bytes: (L) => this.#bodyBytes(L, direction),
        body_set: (L) => this.#bodySet(L, direction),
        info: (L) => this.#info(L, direction),
        http_call: (L) => this.#httpCall(L, direction),
        clear_route_cache: (L) => {
          this.#stream(L, direction).clearRouteCache();
          return 0;
        },
      };
      if (direction === 0) functions.respond = (L) => this.#respond(L);
      this.#register(direction, functions);
    }
    this.#register(2, {
      log: (L) => this.#logMessage(L),
      base64: (L) => {
        runtime.pushText(L, btoa(this.#string(L, 2, "base64Escape")));
        return 1;
      },
    });
  }

  #register(slot: number, functions: Record<string, HostFunction>): void {
    const pointers = this.#pointers[slot];
    for (const [name, fn] of Object.entries(functions)) {
      pointers.set(name, this.#runtime.addFunction(fn, "ii"));
    }
  }

  /**
   * Pushes the prelude's argument: `{request = {…}, response = {…}, log, base64}`, the direction tables'
   * functions acting on that direction (the header and buffer ones become the objects' methods, so their
   * first argument is the object).
   */
  pushTable(L: number): void {
    const api = this.#runtime.api;
    api.lua_createtable(L, 0, 4);
    for (const [slot, name] of [[0, "request"], [1, "response"]] as const) {
      this.#pushFunctions(L, this.#pointers[slot]);
      this.#runtime.setField(L, -2, name);
    }
    for (const [name, pointer] of this.#pointers[2]) {
      api.lua_pushcclosure(L, pointer, 0);
      this.#runtime.setField(L, -2, name);
    }
  }

  #pushFunctions(L: number, pointers: Map<string, number>): void {
    const api = this.#runtime.api;
    api.lua_createtable(L, 0, pointers.size);
    for (const [name, pointer] of pointers) {
      api.lua_pushcclosure(L, pointer, 0);
      this.#runtime.setField(L, -2, name);
    }
  }

  /** Frees the functions' table slots. */
  dispose(): void {
    for (const pointers of this.#pointers) {
      for (const pointer of pointers.values()) this.#runtime.removeFunction(pointer);
      pointers.clear();
    }
  }

  /** The current stream, when `direction` is the direction whose script runs. */
  #stream(L: number, direction: number): LuaHostStream {
    const stream = this.current;
    if (!stream || stream.running !== direction) {
      this.#runtime.raise(L, "object used outside of proper scope");
    }
    return stream;
  }

  #typeName(L: number, index: number): string {
    return TYPE_NAMES[this.#runtime.api.lua_type(L, index)] ?? "no value";
  }

  /** Argument `index` (a string or number) as text; a Lua error naming method `fn` otherwise. */
  #string(L: number, index: number, fn: string): string {
    const value = this.#runtime.toText(L, index);
    if (value === undefined) {
      this.#runtime.raise(
        L,
        `bad argument #${index - 1} to '${fn}' (string expected, got ${this.#typeName(L, index)})`,
      );
    }
    return value;
  }

  #number(L: number, index: number, fn: string): number {
    const value = this.#runtime.toNumber(L, index);
    if (value === undefined) {
      this.#runtime.raise(
        L,
        `bad argument #${index - 1} to '${fn}' (number expected, got ${this.#typeName(L, index)})`,
      );
    }
    return Math.trunc(value);
  }

  #pushBoolean(L: number, value: boolean): number {
    this.#runtime.api.lua_pushboolean(L, value ? 1 : 0);
    return 1;
  }

  #headerGet(L: number, direction: number): number {
    const key = this.#string(L, 2, "get").toLowerCase();
    const f = this.#stream(L, direction).headerMap(direction).fields;
    let found: string | undefined;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] === key) found = found === undefined ? f[i + 1] : `${found},${f[i + 1]}`;
    }
    if (found === undefined) return 0;
    this.#runtime.pushText(L, found);
    return 1;
  }

  #headerAt(L: number, direction: number): number {
    const stream = this.#stream(L, direction);
    const key = this.#string(L, 2, "getAtIndex").toLowerCase();
    let index = this.#number(L, 3, "getAtIndex");
    if (index < 0) return 0;
    const f = stream.headerMap(direction).fields;
    for (let i = 0; i < f.length; i += 2) {
      if (f[i] !== key) continue;
      if (index-- > 0) continue;
      if (f[i + 1] === "") return 0;
      this.#runtime.pushText(L, f[i + 1]);
      return 1;
    }
    return 0;
  }

  #headerCount(L: number, direction: number): number {
    const stream = this.#stream(L, direction);
    const key = this.#string(L, 2, "getNumValues").toLowerCase();
    const f = stream.headerMap(direction).fields;
    let count = 0;
    for (let i = 0; i < f.length; i += 2) if (f[i] === key) count++;
    this.#runtime.api.lua_pushinteger(L, BigInt(count));
    return 1;
  }

  #headerWrite(L: number, direction: number, method: "add" | "replace"): number {
    const stream = this.#stream(L, direction);
    const key = this.#string(L, 2, method).toLowerCase();
    const value = this.#string(L, 3, method);
    if (!validFieldName(key)) this.#runtime.raise(L, `invalid header name "${key}"`);
    if (!isHeaderValue(value)) this.#runtime.raise(L, `invalid value for header "${key}"`);
    const map = stream.headerMap(direction);
    if (method === "add") map.fields.push(key, value);
    else map.setValid(key, value);
    stream.headersChanged(direction);
    return 0;
  }

  #headerRemove(L: number, direction: number): number {
    const stream = this.#stream(L, direction);
    const key = this.#string(L, 2, "remove");
    const map = stream.headerMap(direction);
    const before = map.fields.length;
    map.delete(key);
    if (map.fields.length !== before) stream.headersChanged(direction);
    return 0;
  }

  #headerFields(L: number, direction: number): number {
    const f = this.#stream(L, direction).headerMap(direction).fields;
    const api = this.#runtime.api;
    api.lua_createtable(L, f.length, 0);
    for (let i = 0; i < f.length; i++) {
      this.#runtime.pushText(L, f[i]);
      api.lua_rawseti(L, -2, BigInt(i + 1));
    }
    return 1;
  }

  #bodyLength(L: number, direction: number): number {
    const body = this.#stream(L, direction).body(direction);
    this.#runtime.api.lua_pushinteger(L, BigInt(body.length));
    return 1;
  }

  #bodyBytes(L: number, direction: number): number {
    const stream = this.#stream(L, direction);
    const index = this.#number(L, 2, "getBytes");
    const length = this.#number(L, 3, "getBytes");
    const body = stream.body(direction);
    if (index < 0 || length < 0 || index + length > body.length) {
      this.#runtime.raise(L, "index/length must be >= 0 and (index + length) must be <= buffer size");
    }
    this.#runtime.pushBytes(L, body.subarray(index, index + length));
    return 1;
  }

  #bodySet(L: number, direction: number): number {
    const stream = this.#stream(L, direction);
    const bytes = this.#runtime.toBytes(L, 2);
    if (bytes === undefined) {
      this.#runtime.raise(L, `bad argument #1 to 'setBytes' (string expected, got ${this.#typeName(L, 2)})`);
    }
    stream.setBody(direction, bytes);
    return 0;
  }

  /** `respond(body, name, value, …)`: the prelude flattens the headers table into pairs. */
  #respond(L: number): number {
    const runtime: LuaRuntime = this.#runtime;
    const stream = this.current;
    if (!stream || stream.running !== 0) runtime.raise(L, "object used outside of proper scope");
    let body: Uint8Array = EMPTY;
    if (runtime.api.lua_type(L, 1) !== LuaType.Nil) {
      const bytes = runtime.toBytes(L, 1);
      if (bytes === undefined) {
        runtime.raise(L, `bad argument #2 to 'respond' (string expected, got ${this.#typeName(L, 1)})`);
      }
      body = bytes;
    }
    const fields = this.#pairs(L, 2);
    const status = fields.getAll(":status")[0];
    const code = status !== undefined && STATUS.test(status) ? Number(status) : 0;
    if (code < 200 || code > 599) runtime.raise(L, ":status must be between 200-599");
    const headers = new HeaderList();
    for (const [name, value] of fields) {
      if (!name.startsWith(":") && name !== "content-length") headers.fields.push(name, value);
    }
    stream.respond({ status: code, details: LUA_REPLY_DETAILS, body, headers, grpcStatus: undefined });
    return 0;
  }

  /**
   * `http_call(cluster, body, timeout, asynchronous, duplicates, name, value, …)`: starts the call; returns
   * true when the script must yield for its response (`awaitCall`), false for a fire-and-forget call.
   */
  #httpCall(L: number, direction: number): number {
    const runtime: LuaRuntime = this.#runtime;
    const stream = this.#stream(L, direction);
    const cluster = runtime.toText(L, 1);
    if (cluster === undefined) {
      runtime.raise(L, `bad argument #1 to 'httpCall' (string expected, got ${this.#typeName(L, 1)})`);
    }
    let body: Uint8Array = EMPTY;
    if (runtime.api.lua_type(L, 2) !== LuaType.Nil) {
      const bytes = runtime.toBytes(L, 2);
      if (bytes === undefined) {
        runtime.raise(L, `bad argument #3 to 'httpCall' (string expected, got ${this.#typeName(L, 2)})`);
      }
      body = bytes;
    }
    const timeoutMs = runtime.toNumber(L, 3);
    if (timeoutMs === undefined) {
      runtime.raise(L, `bad argument #4 to 'httpCall' (number expected, got ${this.#typeName(L, 3)})`);
    }
    if (timeoutMs < 0) runtime.raise(L, "http call timeout must be >= 0");
    const asynchronous = runtime.api.lua_toboolean(L, 4) !== 0;
    const duplicates = runtime.api.lua_toboolean(L, 5) !== 0;
    const headers = this.#pairs(L, 6);
    if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) {
      runtime.raise(L, "http call headers must include ':path', ':method', and ':authority'");
    }
    if (body.length > 0) headers.setValid("content-length", String(body.length));
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(Math.trunc(timeoutMs)) : undefined;
    const signal = asynchronous
      ? timeout ?? new AbortController().signal
      : timeout
      ? AbortSignal.any([stream.callSignal(), timeout])
      : stream.callSignal();
    const pending = this.#callout?.({
      cluster,
      headers,
      body,
      trailers: new HeaderList(),
      timeoutMs: Math.trunc(timeoutMs),
      signal,
    });
    if (!pending) runtime.raise(L, "http call cluster invalid. Must be configured");
    if (asynchronous) pending.catch(() => {});
    else stream.awaitCall(pending, duplicates);
    runtime.api.lua_pushboolean(L, asynchronous ? 0 : 1);
    return 1;
  }

  /** The name/value pairs from `first` to the top (names lowercased, values as text), as a header list. */
  #pairs(L: number, first: number): HeaderList {
    const runtime: LuaRuntime = this.#runtime;
    const headers = new HeaderList();
    const top = runtime.api.lua_gettop(L);
    for (let i = first; i + 1 <= top; i += 2) {
      if (runtime.api.lua_type(L, i) !== LuaType.String) {
        runtime.raise(L, `header key must be a string, got ${this.#typeName(L, i)}`);
      }
      const name = runtime.toText(L, i)!.toLowerCase();
      const value = runtime.toText(L, i + 1);
      if (value === undefined) {
        runtime.raise(L, `header value must be a string, got ${this.#typeName(L, i + 1)}`);
      }
      if (!validFieldName(name) || !isHeaderValue(value)) runtime.raise(L, `invalid header "${name}"`);
      headers.fields.push(name, value);
    }
    return headers;
  }

  #logMessage(L: number): number {
    const level = this.#runtime.toNumber(L, 1) as LogLevel;
    const message = this.#runtime.toUtf8(L, 2);
    if (message === undefined) {
      this.#runtime.raise(L, `bad argument #1 to 'log' (string expected, got ${this.#typeName(L, 2)})`);
    }
    this.#log(level, `script log: ${message}`);
    return 0;
  }

  #info(L: number, direction: number): number {
    const info = this.#stream(L, direction).info;
    let value: string;
    switch (this.#runtime.toNumber(L, 2)) {
      case 0:
        value = info.request?.protocol ?? "HTTP/1.1";
        break;
      case 1:
        value = info.routeName ?? "";
        break;
      case 2:
        value = info.connection?.requestedServerName ?? "";
        break;
      default: {
        const peer = info.source;
        value = !peer
          ? ""
          : peer.address.includes(":")
          ? `[${peer.address}]:${peer.port}`
          : `${peer.address}:${peer.port}`;
      }
    }
    this.#runtime.pushText(L, value);
    return 1;
  }
}
