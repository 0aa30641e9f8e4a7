/**
 * The world's imports (`http`, `metrics`, `shared-data`, `properties`, `log`) implemented once, on JS values,
 * for both ways of running a component: the direct lowering (`direct_imports.ts`) decodes guest memory and
 * calls these; jco's glue (`glue_instance.ts`) calls them through an adapter. Header and reply functions act
 * on the stream whose hook is running ({@linkcode ComponentHost.current}).
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";
import { isHeaderValue } from "../../gateway/proxy/header_list.ts";
import { Status } from "../abi/status.ts";
import { validFieldName } from "../host/header_maps.ts";
import { type PropertyScope, resolveProperty } from "../properties/resolve.ts";
import type { PluginEnv } from "../runtime/options.ts";
import type { LocalReply } from "./wit_types/interfaces/portcullis-filter-types.d.ts";
import type { Entry } from "./wit_types/interfaces/portcullis-filter-shared-data.d.ts";

/** `direction` as the hooks number it: request 0, response 1. */
export const REQUEST = 0;
/** See {@linkcode REQUEST}. */
export const RESPONSE = 1;

/** A call the component made that the host refuses; thrown into the guest's call, it fails the VM (a trap). */
export class HostCallError extends Error {
  /** An error with `message`. */
  constructor(message: string) {
    super(message);
    this.name = "HostCallError";
  }
}

/** What the host needs from the stream whose hook runs. */
export interface HostStream {
  /** The header map of direction 0 (request) or 1 (response), when it has arrived. */
  headerMap(direction: number): HeaderList | undefined;
  /** The filter changed the map of `direction`. */
  headersChanged(direction: number): void;
  /** `send-reply`: the stream ends with `reply` after the hook. */
  sendReply(reply: LocalReply): void;
  /** What properties are resolved against. */
  propertyScope(): PropertyScope;
}

/** The imports of one VM. */
export class ComponentHost {
  /** The stream whose hook is running, if any. */
  current: HostStream | undefined;
  readonly #env: PluginEnv;

  /** The imports for a VM of the plugin `env` describes. */
  constructor(env: PluginEnv) {
    this.#env = env;
  }

  #map(direction: number, writing: boolean): HeaderList | undefined {
    if (direction !== REQUEST && direction !== RESPONSE) {
      throw new HostCallError(`direction ${direction} is out of range`);
    }
    const map = this.current?.headerMap(direction);
    if (!map && writing) {
      throw new HostCallError(
        `the ${direction === REQUEST ? "request" : "response"} headers cannot be changed outside their hooks`,
      );
    }
    return map;
  }

  /** `get-header`: the first value of header `key` (lowercase, as are all names given to these methods). */
  getHeader(direction: number, key: string): string | undefined {
    const fields = this.#map(direction, false)?.fields;
    if (!fields) return undefined;
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === key) return fields[i + 1];
    return undefined;
  }

  /** `get-headers`: `[name, value, …]` in order. */
  getHeaders(direction: number): readonly string[] {
    return this.#map(direction, false)?.fields ?? [];
  }

  #write(direction: number, key: string, value: string, replace: boolean): void {
    const map = this.#map(direction, true)!;
    if (!validFieldName(key)) throw new HostCallError(`invalid header name "${key}"`);
    if (!isHeaderValue(value)) throw new HostCallError(`invalid value for header "${key}"`);
    if (replace) map.setValid(key, value);
    else map.fields.push(key, value);
    this.current!.headersChanged(direction);
  }

  /** `set-header`. */
  setHeader(direction: number, key: string, value: string): void {
    this.#write(direction, key, value, true);
  }

  /** `add-header`. */
  addHeader(direction: number, key: string, value: string): void {
    this.#write(direction, key, value, false);
  }

  /** `remove-header`. */
  removeHeader(direction: number, key: string): void {
    const map = this.#map(direction, true)!;
    const before = map.fields.length;
    map.delete(key);
    if (map.fields.length !== before) this.current!.headersChanged(direction);
  }

  /** `send-reply`. */
  sendReply(reply: LocalReply): void {
    if (!this.current) throw new HostCallError("send-reply outside a stream's hook");
    this.current.sendReply(reply);
  }

  /** `metrics.define`: the metric's id, or undefined. */
  defineMetric(kind: number, name: string): number | undefined {
    return this.#env.metrics.define(kind, name);
  }

  /** `metrics.increment` (a counter does not go down: such a call is ignored, as Envoy ignores it). */
  incrementMetric(id: number, delta: number): void {
    this.#env.metrics.increment(id, delta);
  }

  /** `metrics.record-value`. */
  recordMetric(id: number, value: number): void {
    this.#env.metrics.record(id, value);
  }

  /** `shared-data.get`. */
  sharedGet(key: string): Entry | undefined {
    const got = this.#env.sharedData.get(this.#env.vmId, key);
    return got && { value: got.value, cas: got.cas };
  }

  /** `shared-data.set`: false on a version mismatch. */
  sharedSet(key: string, value: Uint8Array, cas: number): boolean {
    return this.#env.sharedData.set(this.#env.vmId, key, value, cas) === Status.Ok;
  }

  /** `properties.get`. */
  property(path: readonly string[]): Uint8Array | undefined {
    const scope = this.current?.propertyScope() ?? this.#rootScope();
    return resolveProperty(path, scope);
  }

  #rootScope(): PropertyScope {
    const env = this.#env;
    return {
      pluginName: env.name,
      rootId: env.rootId,
      vmId: env.vmId,
      node: env.node,
      info: undefined,
      requestHeaders: undefined,
      responseHeaders: undefined,
      responseTrailers: undefined,
    };
  }

  /** `log.write` (levels 0 trace … 5 critical; below the plugin's level dropped). */
  log(level: number, message: string): void {
    const env = this.#env;
    if (level < env.logLevel) return;
    env.logger({
      level: Math.min(level, 5) as PluginEnv["logLevel"],
      plugin: env.name,
      rootId: env.rootId,
      vmId: env.vmId,
      message,
    });
  }

  /** Whether messages at `level` are written (the caller may skip decoding the others). */
  logs(level: number): boolean {
    return level >= this.#env.logLevel;
  }
}
