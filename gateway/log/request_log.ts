/**
 * Debug lines about finished requests, written from the same per-request record telemetry gets: `router`
 * (route, cluster, status, duration), `upstream` (requests that failed upstream) and `connection` (clients
 * that went away before their response ended). Nothing is built unless one of them is at `debug` or below.
 * @module
 */
import type { RequestRecord } from "../telemetry/request_record.ts";
import { LogLevel } from "./levels.ts";
import type { LoggerRegistry } from "./registry.ts";

/** Envoy's response flags that mean the upstream failed or was not reached. */
const UPSTREAM_FAILURE_FLAGS = new Set(["UH", "UF", "UO", "URX", "UT", "UC", "UR", "UMSDR", "UPE", "DF"]);

/** Flags of a client that went away or broke the protocol. */
const DOWNSTREAM_FLAGS = new Set(["DC", "DR", "DPE"]);

/** Writes per-request debug lines through the `router`, `upstream` and `connection` loggers. */
export class RequestLog {
  readonly #router;
  readonly #upstream;
  readonly #connection;

  constructor(loggers: LoggerRegistry) {
    this.#router = loggers.get("router");
    this.#upstream = loggers.get("upstream");
    this.#connection = loggers.get("connection");
  }

  /** True when one of the loggers would write: only then do requests need recording for it. */
  get active(): boolean {
    return this.#router.enabled(LogLevel.debug) || this.#upstream.enabled(LogLevel.debug) ||
      this.#connection.enabled(LogLevel.debug);
  }

  /** Writes the lines of one finished request. */
  record(rec: RequestRecord): void {
    const request = `${rec.method} ${rec.authority}${rec.path}`;
    if (this.#router.enabled(LogLevel.debug)) {
      const route = rec.routeName ? `route '${rec.routeName}'` : rec.route ? "unnamed route" : "no route";
      const target = rec.upstreamCluster ? `cluster '${rec.upstreamCluster}'` : "no cluster";
      this.#router.debug(
        `${request}: listener ${rec.listenerPort}, ${route}, ${target}: ${rec.responseCode} ` +
          `${rec.responseFlags} ${rec.durationMs}ms`,
      );
    }
    if (rec.responseFlags === "-") return;
    const flags = rec.responseFlags.split(",");
    if (this.#upstream.enabled(LogLevel.debug) && flags.some((f) => UPSTREAM_FAILURE_FLAGS.has(f))) {
      const host = rec.upstreamHost ? ` host ${rec.upstreamHost}` : "";
      const reason = rec.upstreamTransportFailureReason ?? rec.responseCodeDetails ?? "";
      this.#upstream.debug(
        `${request}: cluster '${rec.upstreamCluster ?? "-"}'${host}: ${rec.responseFlags} ${reason}`
          .trimEnd(),
      );
    }
    if (this.#connection.enabled(LogLevel.debug) && flags.some((f) => DOWNSTREAM_FLAGS.has(f))) {
      this.#connection.debug(
        `${request}: client ${rec.downstreamRemoteAddress} ended the stream early (${rec.responseFlags})`,
      );
    }
  }
}
