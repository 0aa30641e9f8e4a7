/**
 * Shipped filters in end-to-end tests: a filter's example WasmPlugin (`filters/<name>/example.yaml`) pointed at
 * the module built from source, served by a real gateway with real upstreams.
 * @module
 */
import { buildShippedFilter, FILTERS_DIR } from "../../filters/build.ts";
import { gatewayWithRoutes, serveConfig, staticService, type TestGateway } from "./gateway.ts";
import { eventually, freePort, startUpstream, type TestUpstream } from "./net.ts";

/** `filters/<name>/example.yaml` with its `url` pointing at the module built from source. */
export async function exampleWasmPlugin(name: string): Promise<string> {
  const built = await buildShippedFilter(name);
  const text = await Deno.readTextFile(`${FILTERS_DIR}${name}/example.yaml`);
  const relative = `url: file://.cache/filters/${name}.wasm`;
  if (!text.includes(relative)) {
    throw new Error(`${name}/example.yaml does not name .cache/filters/${name}.wasm`);
  }
  return text.replace(relative, `url: file://${built.path}`);
}

/** The routes of `filters/examples/gateway.yaml` (login, api, web), to upstream `app` instead of direct responses. */
export const EXAMPLE_ROUTES = `  - name: login
    match: [{uri: {exact: /login}}]
    route: [{destination: {host: app, port: {number: 80}}}]
  - name: api
    match: [{uri: {prefix: /api/}}]
    route: [{destination: {host: app, port: {number: 80}}}]
  - name: web
    route: [{destination: {host: app, port: {number: 80}}}]`;

/** A gateway serving `name`'s example plugin in front of upstream `app`; `run` gets the listener's base URL. */
export async function withExampleFilter(
  name: string,
  run: (url: string, gw: TestGateway, upstream: TestUpstream) => Promise<void>,
  upstream: TestUpstream = startUpstream("app"),
): Promise<void> {
  const port = freePort();
  const config = gatewayWithRoutes(port, EXAMPLE_ROUTES) + staticService("app", [upstream.port]) + "---\n" +
    await exampleWasmPlugin(name);
  const gw = await serveConfig(config);
  try {
    const ready = await eventually(async () =>
      (await fetch(`${gw.adminUrl}/ready`).then((r) => r.text())) === "LIVE\n"
    );
    if (!ready) throw new Error("the gateway did not become ready");
    await run(`http://127.0.0.1:${port}`, gw, upstream);
  } finally {
    await gw.close();
    await upstream.close();
  }
}
