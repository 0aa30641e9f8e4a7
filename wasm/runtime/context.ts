/**
 * The context a host function acts on (the effective context): a plugin's root context or a stream.
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";
import type { Status } from "../abi/status.ts";
import type { PropertyScope } from "../properties/resolve.ts";
import type { LocalReply } from "./results.ts";

/** What host functions need from a context. */
export interface HostContext {
  /** The context id the guest knows. */
  readonly id: number;
  /** Whether this is the root (plugin) context. */
  readonly isRoot: boolean;
  /** Values stored with `proxy_set_property`, by NUL-joined path. */
  readonly properties: Map<string, Uint8Array>;
  /** Header map `type` (0-3) for reading; undefined when the context has none. */
  headerMap(type: number): HeaderList | undefined;
  /** Header map `type` (0-3) for writing; undefined when it cannot be changed now. */
  writableHeaderMap(type: number): HeaderList | undefined;
  /** Called after a host function changed map `type`. */
  headersModified(type: number): void;
  /** Whether the context is in its access-log callback (missing maps are NOT_FOUND there, not BAD_ARGUMENT). */
  readonly inLogPhase: boolean;
  /** Body buffer `type` (0 request, 1 response); undefined when there is none. */
  body(type: number): Uint8Array | undefined;
  /** Whether body `type` has seen its end of stream. */
  bodyEnded(type: number): boolean;
  /** Replaces bytes of body `type` the way Envoy's buffers do (prepend, replace from 0, append). */
  setBody(type: number, start: number, length: number, data: Uint8Array): Status;
  /** `proxy_send_local_response`. */
  sendLocalResponse(reply: LocalReply): Status;
  /** `proxy_continue_stream`. */
  continueStream(type: number): Status;
  /** `proxy_close_stream`. */
  closeStream(type: number): Status;
  /** `proxy_clear_route_cache` and the `clear_route_cache` foreign function. */
  clearRouteCache(): void;
  /** What property lookups see from here. */
  propertyScope(): PropertyScope;
}

/** A stream's context, which the VM also tells when it fails. */
export interface StreamHostContext extends HostContext {
  /** The VM failed: settle anything waiting per the plugin's fail strategy. */
  vmFailed(): void;
}
