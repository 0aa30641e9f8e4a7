/**
 * Which WasmPlugins (and TrafficExtensions, their successor: a Wasm module or inline Lua) apply to this
 * gateway and in what order, as istiod computes it
 * (`WasmPluginsByListenerInfo`): plugins of the gateway's namespace, then of the root namespace, each kept when
 * its `selector` or `targetRefs` selects the gateway (`ShouldAttachPolicy`, see `policy_attachment.ts`) and its
 * `match` selects the listener (a gateway listener is of class CLIENT); grouped by phase (AUTHN, AUTHZ, STATS,
 * then unspecified, just before the router) and stably sorted by descending `priority` (unset lowest) within a
 * phase.
 * @module
 */
import type { ConfigSet } from "../config/config_set.ts";
import type { TrafficExtensionSpec } from "../config/kinds/extensions/traffic_extension.ts";
import type { WasmPluginPhase, WasmPluginSpec } from "../config/kinds/extensions/wasm_plugin.ts";
import { compareByCreation, type Resource } from "../config/resource.ts";
import type { GatewayIdentity } from "./listeners.ts";
import { type AttachablePolicy, attachedPolicies } from "./policy_attachment.ts";

/** One environment variable of `vmConfig.env`: an inline value or one read from the gateway's own env. */
export interface WasmEnvVar {
  readonly name: string;
  /** The inline value; undefined with `fromHost`. */
  readonly value?: string;
  /** `valueFrom: HOST`: the gateway's environment variable of the same name. */
  readonly fromHost: boolean;
}

/** A TrafficExtension's inline Lua code, run instead of a module. */
export interface LuaSource {
  readonly kind: "lua";
  /** `lua.inlineCode`. */
  readonly code: string;
}

/** A WasmPlugin (or TrafficExtension) applying to this gateway, with the fields the runtime uses. */
export interface CompiledWasmPlugin {
  /** `namespace/name` of the resource. */
  readonly key: string;
  /** Istio's filter name for it: `namespace.name`. */
  readonly name: string;
  /** The resource's namespace (where its image pull secret lives). */
  readonly namespace: string;
  /** The module's URL; empty for a Lua extension. */
  readonly url: string;
  /** Set for a Lua TrafficExtension: its code, loaded without any module fetch. */
  readonly source?: LuaSource;
  readonly sha256?: string;
  /** `imagePullPolicy`; undefined when unset or UNSPECIFIED_POLICY. */
  readonly imagePullPolicy?: "IfNotPresent" | "Always";
  /** `imagePullSecret`: a docker-registry Secret of the plugin's namespace. */
  readonly imagePullSecret?: string;
  /**
   * Stands in for the resource's Kubernetes `resourceVersion`: its labels, annotations and spec as JSON, so it
   * changes whenever the resource does (`imagePullPolicy: Always` pulls again on a change).
   */
  readonly resourceVersion: string;
  /** `pluginName`, the root id filters pick their root context by (empty when unset). */
  readonly rootId: string;
  /** `pluginConfig` (passed as JSON). */
  readonly pluginConfig?: Record<string, unknown>;
  readonly env: readonly WasmEnvVar[];
  /** FAIL_RELOAD keeps FAIL_CLOSE's denial when the module cannot be had. */
  readonly failStrategy: "FAIL_CLOSE" | "FAIL_OPEN";
  readonly phase: WasmPluginPhase;
  /** Undefined sorts last within its phase. */
  readonly priority?: number;
  /** `HTTP` or `NETWORK` (unset: HTTP). */
  readonly type: "HTTP" | "NETWORK";
  /** `match`: undefined or empty matches every listener. */
  readonly match?: WasmPluginSpec["match"];
}

/** Istio's phase order in the HTTP filter chain; its own authn and authz filters follow AUTHN and AUTHZ. */
const PHASE_ORDER: readonly WasmPluginPhase[] = ["AUTHN", "AUTHZ", "STATS", "UNSPECIFIED_PHASE"];

/**
 * The WasmPlugins and TrafficExtensions (Wasm and Lua) applying to the gateway `identity`, in
 * namespace-then-creation order (WasmPlugins first; not yet per port).
 */
export function selectWasmPlugins(
  config: ConfigSet,
  identity: GatewayIdentity,
  rootNamespace: string,
): CompiledWasmPlugin[] {
  const plugins = applyingInLookupOrder(config.wasmPlugins, identity, rootNamespace);
  const extensions = applyingInLookupOrder(config.trafficExtensions, identity, rootNamespace);
  return [...plugins.map(compilePlugin), ...extensions.map(compileExtension)];
}

/**
 * The resources of `policies` attaching to the gateway, in istiod's lookup order: the gateway's namespace, then
 * the root namespace (whose selectors reach gateways of every namespace), each oldest first.
 */
function applyingInLookupOrder<P extends AttachablePolicy>(
  policies: readonly P[],
  identity: GatewayIdentity,
  rootNamespace: string,
): P[] {
  const sorted = [...policies].sort((a, b) => compareByCreation(a.meta, b.meta));
  const attached = attachedPolicies(sorted, identity, {
    rootNamespace,
    rootSelectorsMeshWide: true,
    namespaceWide: "every",
  });
  return [
    ...attached.filter((p) => p.meta.namespace === identity.namespace),
    ...attached.filter((p) => p.meta.namespace !== identity.namespace),
  ];
}

/** The HTTP filter chain of a listener port: the plugins whose `match` selects it, in Istio's order. */
export function wasmChainForPort(plugins: readonly CompiledWasmPlugin[], port: number): CompiledWasmPlugin[] {
  const chain: CompiledWasmPlugin[] = [];
  for (const phase of PHASE_ORDER) {
    const inPhase = plugins.filter((p) => p.type === "HTTP" && p.phase === phase && matchesListener(p, port));
    inPhase.sort((a, b) => (b.priority ?? -2147483648) - (a.priority ?? -2147483648));
    chain.push(...inPhase);
  }
  return chain;
}

/** Istio's `matchTrafficSelectors` for a gateway listener (class CLIENT) on `port`. */
function matchesListener(p: CompiledWasmPlugin, port: number): boolean {
  if (!p.match || p.match.length === 0) return true;
  return p.match.some((m) =>
    (m.mode === undefined || m.mode === "UNDEFINED" || m.mode === "CLIENT_AND_SERVER" ||
      m.mode === "CLIENT") &&
    (!m.ports || m.ports.length === 0 || m.ports.some((s) => s.number === port))
  );
}

function compilePlugin(p: Resource<WasmPluginSpec>): CompiledWasmPlugin {
  const s = p.spec;
  return compileModule(p, s, s.phase ?? "UNSPECIFIED_PHASE", s.priority, s.match);
}

/**
 * A TrafficExtension: its `wasm` block is a WasmPlugin's module fields; a `lua` block is code with no module
 * (failing closed, the default, as Lua has no failStrategy); its phase `UNSPECIFIED` is `UNSPECIFIED_PHASE`.
 */
function compileExtension(x: Resource<TrafficExtensionSpec>): CompiledWasmPlugin {
  const s = x.spec;
  const phase = s.phase === undefined || s.phase === "UNSPECIFIED" ? "UNSPECIFIED_PHASE" : s.phase;
  if (s.wasm) return compileModule(x, s.wasm, phase, s.priority, s.match);
  return {
    ...compileModule(x, { url: "" }, phase, s.priority, s.match),
    source: { kind: "lua", code: s.lua!.inlineCode },
  };
}

/** The module fields WasmPlugin and a TrafficExtension's `wasm` block share. */
type ModuleFields = Pick<
  WasmPluginSpec,
  | "url"
  | "sha256"
  | "imagePullPolicy"
  | "imagePullSecret"
  | "pluginName"
  | "pluginConfig"
  | "vmConfig"
  | "failStrategy"
  | "type"
>;

function compileModule(
  r: Resource<unknown>,
  s: ModuleFields,
  phase: WasmPluginPhase,
  priority: number | null | undefined,
  match: WasmPluginSpec["match"],
): CompiledWasmPlugin {
  return {
    key: `${r.meta.namespace}/${r.meta.name}`,
    name: `${r.meta.namespace}.${r.meta.name}`,
    namespace: r.meta.namespace,
    url: s.url,
    sha256: s.sha256 || undefined,
    imagePullPolicy: s.imagePullPolicy === "UNSPECIFIED_POLICY" ? undefined : s.imagePullPolicy,
    imagePullSecret: s.imagePullSecret || undefined,
    resourceVersion: JSON.stringify([r.meta.labels, r.meta.annotations, r.spec]),
    rootId: s.pluginName ?? "",
    pluginConfig: s.pluginConfig as Record<string, unknown> | undefined,
    env: (s.vmConfig?.env ?? []).map((e) => ({
      name: e.name,
      value: e.valueFrom === "HOST" ? undefined : e.value ?? "",
      fromHost: e.valueFrom === "HOST",
    })),
    failStrategy: s.failStrategy === "FAIL_OPEN" ? "FAIL_OPEN" : "FAIL_CLOSE",
    phase,
    priority: priority ?? undefined,
    type: s.type === "NETWORK" ? "NETWORK" : "HTTP",
    match,
  };
}
