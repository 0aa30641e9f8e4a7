/**
 * A VM's root (plugin) context: the one `on_vm_start`, `on_configure`, `on_tick`, `on_queue_ready` and
 * `on_http_call_response` run in. It has no headers or bodies of its own.
 * @module
 */
import type { HeaderList } from "../../gateway/proxy/header_list.ts";
import { Status } from "../abi/status.ts";
import type { PropertyScope } from "../properties/resolve.ts";
import type { PluginEnv } from "./options.ts";
import type { HostContext } from "./context.ts";

/** The root context of one VM. */
export class RootContext implements HostContext {
  /** The root context id. */
  readonly id: number;
  /** Always true. */
  readonly isRoot = true;
  /** Never in a log phase. */
  readonly inLogPhase = false;
  /** `proxy_set_property` values set from the root context. */
  readonly properties: Map<string, Uint8Array> = new Map();
  readonly #scope: PropertyScope;

  /** The root context `id` of a plugin with `env`. */
  constructor(id: number, env: PluginEnv) {
    this.id = id;
    this.#scope = {
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

  /** A root context has no stream maps. */
  headerMap(_type: number): HeaderList | undefined {
    return undefined;
  }

  /** A root context has no stream maps. */
  writableHeaderMap(_type: number): HeaderList | undefined {
    return undefined;
  }

  /** Nothing to do: no stream maps. */
  headersModified(_type: number): void {}

  /** A root context has no bodies. */
  body(_type: number): Uint8Array | undefined {
    return undefined;
  }

  /** A root context has no bodies. */
  bodyEnded(_type: number): boolean {
    return false;
  }

  /** A root context has no bodies. */
  setBody(): Status {
    return Status.NotFound;
  }

  /** Only a stream can be answered. */
  sendLocalResponse(): Status {
    return Status.BadArgument;
  }

  /** Only a stream can be continued. */
  continueStream(): Status {
    return Status.BadArgument;
  }

  /** Only a stream can be closed. */
  closeStream(): Status {
    return Status.BadArgument;
  }

  /** Nothing to do: no route. */
  clearRouteCache(): void {}

  /** Plugin-level properties only. */
  propertyScope(): PropertyScope {
    return this.#scope;
  }
}
