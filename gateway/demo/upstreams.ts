/**
 * Tiny upstream services for the demo: each answers with its name, version and what it received.
 * @module
 */
import { DEMO_UPSTREAMS } from "./config.ts";

/** Starts the demo upstreams on 127.0.0.1; returns a function that stops them. */
export function startDemoUpstreams(): () => Promise<void> {
  const servers = DEMO_UPSTREAMS.map(({ service, version, port }) =>
    Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
      const url = new URL(req.url);
      const body = {
        service,
        version,
        method: req.method,
        path: url.pathname + url.search,
        host: req.headers.get("host"),
        endUser: req.headers.get("end-user") ?? undefined,
      };
      return Response.json(body);
    })
  );
  return async () => {
    await Promise.all(servers.map((s) => s.shutdown()));
  };
}
