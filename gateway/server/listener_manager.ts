/**
 * Opening and closing listeners as Gateway ports come and go. A listener that stays across a config change
 * keeps its socket; its handler reads the newest snapshot for each request.
 * @module
 */
import type { ListenerConfig, Snapshot } from "../compile/types.ts";
import { DnsCache } from "../proxy/dns.ts";
import { ClusterStates } from "../proxy/cluster_state.ts";
import { EndpointResolver } from "../proxy/endpoints.ts";
import { DownstreamCounters, gatewayStatPrefix } from "../proxy/downstream_counters.ts";
import { createHttpHandler, type HandlerOptions } from "../proxy/handler.ts";
import type { RequestSink } from "../proxy/stream_info.ts";
import type { ComponentLog } from "../log/logger.ts";

/** The state of one listener, as the admin API shows it. */
export interface ListenerState {
  readonly name: string;
  readonly port: number;
  /** The port actually bound (Gateway port plus offset). */
  readonly boundPort: number;
  readonly address: string;
  readonly protocol: string;
  readonly state: "listening" | "failed" | "unsupported";
  readonly error?: string;
}

/** Options of a ListenerManager. */
export interface ListenerManagerOptions {
  /** The snapshot to serve each request from. */
  current(): Snapshot;
  /** Added to every Gateway port, so that port 80 can be served as 8080 by an unprivileged user. @default 0 */
  readonly portOffset?: number;
  /** Overrides every server's bind address (e.g. 127.0.0.1 on a laptop). */
  readonly bindAddress?: string;
  /** Receives every finished request (the gateway's telemetry). */
  readonly requests?: RequestSink;
  /** The WasmPlugin chains per port. */
  readonly wasm?: HandlerOptions["wasm"];
  /** The `config` logger: listeners opening, closing, failing. */
  readonly log?: ComponentLog;
  /** The `http` logger: requests the server could not handle. */
  readonly httpLog?: ComponentLog;
}

interface Open {
  readonly config: ListenerConfig;
  readonly state: ListenerState;
  readonly server?: Deno.HttpServer<Deno.NetAddr>;
  readonly abort?: AbortController;
}

/** How long a closing listener waits for in-flight requests before cutting them. */
const DRAIN_MS = 10_000;

/** Keeps the set of open listeners equal to the snapshot's. */
export class ListenerManager {
  #options: ListenerManagerOptions;
  #open = new Map<string, Open>();
  #endpoints = new EndpointResolver(new DnsCache());
  #clusters = new ClusterStates();
  /** Request statistics by listener stat prefix, kept while listeners close and reopen. */
  readonly #counters = new Map<string, DownstreamCounters>();

  constructor(options: ListenerManagerOptions) {
    this.#options = options;
  }

  /** The live state of the upstream clusters (balancers, breakers, detectors, counters). */
  get clusterStates(): ClusterStates {
    return this.#clusters;
  }

  /** The endpoint resolver listeners share (DNS clusters), also used by Wasm callouts. */
  get endpoints(): EndpointResolver {
    return this.#endpoints;
  }

  /** Listener states, by name. */
  states(): ListenerState[] {
    return [...this.#open.values()].map((o) => o.state);
  }

  /** Each listener's request statistics, by Istio's stat prefix (`outbound_0.0.0.0_<port>`). */
  get downstreamCounters(): ReadonlyMap<string, DownstreamCounters> {
    return this.#counters;
  }

  #countersFor(port: number): DownstreamCounters {
    const prefix = gatewayStatPrefix(port);
    let counters = this.#counters.get(prefix);
    if (!counters) this.#counters.set(prefix, counters = new DownstreamCounters());
    return counters;
  }

  /** True when every listener that can be served is listening. */
  get allListening(): boolean {
    return [...this.#open.values()].every((o) => o.state.state !== "failed");
  }

  /** Opens new listeners and closes removed ones (or ones whose protocol changed). */
  async reconcile(listeners: readonly ListenerConfig[]): Promise<void> {
    const wanted = new Map(listeners.map((l) => [l.name, l]));
    for (const [name, open] of this.#open) {
      const next = wanted.get(name);
      if (!next || next.protocol !== open.config.protocol || open.state.state === "failed") {
        await this.#close(name, open);
      }
    }
    for (const [name, config] of wanted) {
      if (!this.#open.has(name)) this.#open.set(name, this.#start(config));
      else this.#open.set(name, { ...this.#open.get(name)!, config });
    }
  }

  /** Closes every listener, letting in-flight requests finish. */
  async closeAll(): Promise<void> {
    for (const [name, open] of this.#open) await this.#close(name, open);
  }

  #start(config: ListenerConfig): Open {
    const boundPort = config.port + (this.#options.portOffset ?? 0);
    const address = this.#options.bindAddress ?? config.bind;
    const base = { name: config.name, port: config.port, boundPort, address, protocol: config.protocol };
    if (config.protocol !== "HTTP") {
      const error =
        `${config.protocol} listeners are not served yet (TLS termination, passthrough and TCP routes)`;
      this.#options.log?.warn(`listener ${config.name}: ${error}`);
      return { config, state: { ...base, state: "unsupported", error } };
    }
    try {
      const abort = new AbortController();
      const server = Deno.serve(
        {
          signal: abort.signal,
          port: boundPort,
          hostname: address,
          onListen: () => this.#options.log?.info(`listener ${config.name} on ${address}:${boundPort}`),
          onError: (e) => {
            this.#options.httpLog?.error(`listener ${config.name}: ${(e as Error).message}`);
            return new Response(null, { status: 500, headers: { server: "istio-envoy" } });
          },
        },
        createHttpHandler({
          current: this.#options.current,
          port: config.port,
          routeName: `http.${config.port}`,
          endpoints: this.#endpoints,
          clusters: this.#clusters,
          requests: this.#options.requests,
          wasm: this.#options.wasm,
          counters: this.#countersFor(config.port),
          localAddress: address.includes(":") ? `[${address}]:${boundPort}` : `${address}:${boundPort}`,
        }),
      );
      return { config, server, abort, state: { ...base, state: "listening" } };
    } catch (e) {
      const error = (e as Error).message;
      this.#options.log?.error(`listener ${config.name}: cannot listen on ${address}:${boundPort}: ${error}`);
      return { config, state: { ...base, state: "failed", error } };
    }
  }

  async #close(name: string, open: Open): Promise<void> {
    this.#open.delete(name);
    if (!open.server) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        open.abort?.abort();
        resolve();
      }, DRAIN_MS);
    });
    await Promise.race([open.server.shutdown(), deadline]);
    clearTimeout(timer);
    this.#options.log?.info(`listener ${name} closed`);
  }
}
