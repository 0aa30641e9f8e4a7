/**
 * A component run through the glue jco generated (`instantiate(getCoreModule, imports, instantiateCore)`):
 * jco lifts and lowers every value generically, with its task bookkeeping on each call. The gateway uses it
 * for components the direct path cannot run (see `compile.ts`), and the benchmark for comparison. The
 * imports are the same {@linkcode ComponentHost}, adapted to the JS values jco passes (enums as strings,
 * 64-bit integers as bigints).
 * @module
 */
import { pathToFileURL } from "node:url";
import { FUEL_EXPORT } from "../sandbox/fuel.ts";
import type { CompiledComponent } from "./compile.ts";
import { type ComponentHost, REQUEST, RESPONSE } from "./host.ts";
import type { ComponentInstance } from "./instance.ts";
import type * as Http from "./wit_types/interfaces/portcullis-filter-http.d.ts";
import type * as Log from "./wit_types/interfaces/portcullis-filter-log.d.ts";
import type * as Metrics from "./wit_types/interfaces/portcullis-filter-metrics.d.ts";
import type * as Properties from "./wit_types/interfaces/portcullis-filter-properties.d.ts";
import type * as SharedDataApi from "./wit_types/interfaces/portcullis-filter-shared-data.d.ts";
import type * as World from "./wit_types/http-filter.d.ts";
import type {
  BodyAction,
  Direction,
  HeadersAction,
} from "./wit_types/interfaces/portcullis-filter-types.d.ts";
import { interfaceModule, WIT_PACKAGE } from "./world.ts";

/** The world's exports as jco's glue returns them. */
type WorldExports = Pick<
  typeof World,
  "configure" | "onRequestHeaders" | "onRequestBody" | "onResponseHeaders" | "onResponseBody"
>;

/** The glue module's `instantiate`. */
type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance,
) => WorldExports;

const glueModules = new Map<string, Promise<Instantiate>>();

/** The glue module of `compiled`, imported once per file. */
export function loadGlue(compiled: CompiledComponent): Promise<Instantiate> {
  let glue = glueModules.get(compiled.glueFile);
  if (!glue) {
    glue = import(pathToFileURL(compiled.glueFile).href).then((m) => m.instantiate as Instantiate);
    glueModules.set(compiled.glueFile, glue);
  }
  return glue;
}

const LEVELS: readonly Log.Level[] = ["trace", "debug", "info", "warn", "error", "critical"];
const METRIC_TYPES: readonly Metrics.MetricType[] = ["counter", "gauge", "histogram"];
const direction = (which: Direction): number => which === "request" ? REQUEST : RESPONSE;

function pairs(fields: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) out.push([fields[i], fields[i + 1]]);
  return out;
}

/** The import object jco's glue expects, calling `host`. */
export function glueImports(host: ComponentHost): Record<string, unknown> {
  const http: typeof Http = {
    getHeader: (which, name) => host.getHeader(direction(which), name.toLowerCase()),
    getHeaders: (which) => pairs(host.getHeaders(direction(which))),
    setHeader: (which, name, value) => host.setHeader(direction(which), name.toLowerCase(), value),
    addHeader: (which, name, value) => host.addHeader(direction(which), name.toLowerCase(), value),
    removeHeader: (which, name) => host.removeHeader(direction(which), name.toLowerCase()),
    sendReply: (reply) => host.sendReply(reply),
  };
  const metrics: typeof Metrics = {
    define: (kind, name) => host.defineMetric(METRIC_TYPES.indexOf(kind), name),
    increment: (id, delta) => host.incrementMetric(id, Number(delta)),
    recordValue: (id, value) => host.recordMetric(id, Number(value)),
  };
  const sharedData: typeof SharedDataApi = {
    get: (key) => host.sharedGet(key),
    set: (key, value, cas) => host.sharedSet(key, value.slice(), cas),
  };
  const properties: typeof Properties = { get: (path) => host.property(path) };
  const log: typeof Log = { write: (level, message) => host.log(LEVELS.indexOf(level), message) };
  const byName: Record<string, unknown> = {
    http,
    metrics,
    "shared-data": sharedData,
    properties,
    log,
    types: {},
  };
  const imports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(byName)) {
    imports[`${WIT_PACKAGE}/${name}`] = value;
    imports[interfaceModule(name as Parameters<typeof interfaceModule>[0])] = value;
  }
  return imports;
}

/** A component instantiated through jco's glue. */
export class GlueInstance implements ComponentInstance {
  readonly mode = "jco" as const;
  readonly fuel: readonly WebAssembly.Global[];
  readonly #exports: WorldExports;

  /**
   * Instantiates `compiled` with `instantiate` (from {@linkcode loadGlue}) on `host`.
   * @throws what instantiation throws.
   */
  constructor(compiled: CompiledComponent, instantiate: Instantiate, host: ComponentHost) {
    const fuel: WebAssembly.Global[] = [];
    this.#exports = instantiate(
      (path) => {
        const module = compiled.modules.get(path);
        if (!module) throw new Error(`the transpiled component has no core module ${path}`);
        return module;
      },
      glueImports(host),
      (module, imports) => {
        const instance = new WebAssembly.Instance(module, imports);
        const counter = instance.exports[FUEL_EXPORT];
        if (counter instanceof WebAssembly.Global) fuel.push(counter);
        return instance;
      },
    );
    this.fuel = fuel;
  }

  configure(config: Uint8Array): string | undefined {
    try {
      this.#exports.configure(config);
      return undefined;
    } catch (e) {
      if (typeof e === "string") return e; // the result's error (noComponentErrorWrapping)
      throw e;
    }
  }

  headers(which: number, endOfStream: boolean): HeadersAction {
    const ex = this.#exports;
    return which === REQUEST ? ex.onRequestHeaders(endOfStream) : ex.onResponseHeaders(endOfStream);
  }

  body(which: number, body: Uint8Array, endOfStream: boolean): BodyAction {
    const ex = this.#exports;
    return which === REQUEST ? ex.onRequestBody(body, endOfStream) : ex.onResponseBody(body, endOfStream);
  }
}
