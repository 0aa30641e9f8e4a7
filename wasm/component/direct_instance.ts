/**
 * A component's main core module instantiated and called by the host itself: the world's exports are core
 * functions taking flat values and returning a pointer to their result, which is lifted by hand
 * (`canonical/world_values.ts`) before the module's `cabi_post_*` function frees it. Lists passed in are
 * allocated with the module's `cabi_realloc`. No jco glue runs on a call: a hook costs the core call plus
 * the few memory reads its result needs.
 * @module
 */
import { FUEL_EXPORT } from "../sandbox/fuel.ts";
import { GuestMemory, type Realloc } from "./canonical/guest_memory.ts";
import { liftBodyAction, liftHeadersAction, liftUnitResult } from "./canonical/world_values.ts";
import { directImports, type MemoryRef } from "./direct_imports.ts";
import type { ComponentHost } from "./host.ts";
import type { ComponentInstance } from "./instance.ts";
import type { BodyAction, HeadersAction } from "./wit_types/interfaces/portcullis-filter-types.d.ts";

type Export = (...args: number[]) => number;
type PostReturn = ((ret: number) => void) | undefined;

const NO_POST: PostReturn = undefined;

/** The main module of a component, run directly. */
export class DirectInstance implements ComponentInstance {
  readonly mode = "direct" as const;
  readonly fuel: readonly WebAssembly.Global[];
  readonly #memory: GuestMemory;
  readonly #configure: Export;
  readonly #headers: [Export, Export];
  readonly #body: [Export, Export];
  readonly #postConfigure: PostReturn;
  readonly #postHeaders: [PostReturn, PostReturn];
  readonly #postBody: [PostReturn, PostReturn];

  /**
   * Instantiates `module` (the component's main core module, whose imports are the world's) on `host`.
   * @throws what instantiation throws (a trap in the start function, a missing export).
   */
  constructor(module: WebAssembly.Module, host: ComponentHost) {
    const ref: MemoryRef = { memory: undefined };
    const instance = new WebAssembly.Instance(module, directImports(module, host, ref));
    const ex = instance.exports;
    const fn = (name: string): Export => {
      const f = ex[name];
      if (typeof f !== "function") throw new TypeError(`the main module does not export function ${name}`);
      return f as Export;
    };
    const post = (name: string): PostReturn =>
      typeof ex[`cabi_post_${name}`] === "function" ? ex[`cabi_post_${name}`] as PostReturn : NO_POST;
    ref.memory = new GuestMemory(ex.memory as WebAssembly.Memory, fn("cabi_realloc") as Realloc);
    this.#memory = ref.memory;
    this.#configure = fn("configure");
    this.#headers = [fn("on-request-headers"), fn("on-response-headers")];
    this.#body = [fn("on-request-body"), fn("on-response-body")];
    this.#postConfigure = post("configure");
    this.#postHeaders = [post("on-request-headers"), post("on-response-headers")];
    this.#postBody = [post("on-request-body"), post("on-response-body")];
    const fuel = ex[FUEL_EXPORT];
    this.fuel = fuel instanceof WebAssembly.Global ? [fuel] : [];
  }

  configure(config: Uint8Array): string | undefined {
    const ptr = this.#memory.lowerBytes(config);
    const ret = this.#configure(ptr, config.length);
    const error = liftUnitResult(this.#memory, ret);
    this.#postConfigure?.(ret);
    return error;
  }

  headers(direction: number, endOfStream: boolean): HeadersAction {
    const ret = this.#headers[direction](endOfStream ? 1 : 0);
    const action = liftHeadersAction(this.#memory, ret);
    this.#postHeaders[direction]?.(ret);
    return action;
  }

  body(direction: number, body: Uint8Array, endOfStream: boolean): BodyAction {
    const ptr = this.#memory.lowerBytes(body);
    const ret = this.#body[direction](ptr, body.length, endOfStream ? 1 : 0);
    const action = liftBodyAction(this.#memory, ret);
    this.#postBody[direction]?.(ret);
    return action;
  }
}
