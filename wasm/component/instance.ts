/**
 * One instantiated component as the VM drives it, whichever way it runs: directly (`direct_instance.ts`)
 * or through jco's glue (`glue_instance.ts`). Calls are synchronous; a trap throws out of them.
 * @module
 */
import type { BodyAction, HeadersAction } from "./wit_types/interfaces/portcullis-filter-types.d.ts";

/** How a component instance runs. */
export type ComponentMode = "direct" | "jco";

/** An instantiated component. */
export interface ComponentInstance {
  /** How it runs. */
  readonly mode: ComponentMode;
  /** The fuel counters of its metered core modules (set before each call). */
  readonly fuel: readonly WebAssembly.Global[];
  /** `configure`: the error message the component returned, or undefined. */
  configure(config: Uint8Array): string | undefined;
  /** `on-request-headers` (direction 0) or `on-response-headers` (1). */
  headers(direction: number, endOfStream: boolean): HeadersAction;
  /** `on-request-body` (direction 0) or `on-response-body` (1). */
  body(direction: number, body: Uint8Array, endOfStream: boolean): BodyAction;
}
