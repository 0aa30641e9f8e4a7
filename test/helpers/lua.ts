/**
 * Lua plugins for the `wasm/lua/` tests: a script loaded with its log captured, and what a call's result holds.
 * @module
 */
import assert from "node:assert/strict";
import {
  type BodyResult,
  type DataOutcome,
  type HeadersOutcome,
  type HeadersResult,
  loadLuaPlugin,
  type LuaPluginOptions,
  type Plugin,
  type WasmLogEntry,
} from "../../wasm/mod.ts";

/** A loaded script and what it logged. */
export interface LoadedLua extends AsyncDisposable {
  readonly plugin: Plugin;
  readonly log: WasmLogEntry[];
}

/** `code` as a plugin named `lua`, its log captured (every level). */
export async function loadLua(code: string, options: Partial<LuaPluginOptions> = {}): Promise<LoadedLua> {
  const log: WasmLogEntry[] = [];
  const plugin = await loadLuaPlugin(code, {
    name: "lua",
    logger: (entry) => log.push(entry),
    logLevel: 0,
    ...options,
  });
  return { plugin, log, [Symbol.asyncDispose]: () => plugin.dispose() };
}

/** The reply of a result that must be one. */
export function replyOf(r: HeadersResult | BodyResult) {
  assert.equal(r.action, "reply");
  return (r as Extract<typeof r, { action: "reply" }>).reply;
}

/** What a paused result settles with (it must be paused). */
export function resumedOf(r: HeadersResult | BodyResult): Promise<HeadersOutcome | DataOutcome> {
  assert.equal(r.action, "pause");
  return (r as Extract<typeof r, { action: "pause" }>).resumed;
}

/** The data of a body result that must go on. */
export function dataOf(r: BodyResult): string {
  assert.equal(r.action, "continue");
  return new TextDecoder().decode((r as { data: Uint8Array }).data);
}

/** The messages logged at `level` or above. */
export function messages(log: readonly WasmLogEntry[], level = 0): string[] {
  return log.filter((e) => e.level >= level).map((e) => e.message);
}
