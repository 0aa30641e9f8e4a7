/**
 * Run by optional_modules_test.ts in a process of its own (so that nothing else has imported an optional
 * module): serves the config folder `Deno.args[0]`, waits for its plugins, sends one request to listener port
 * `Deno.args[1]`, and prints as JSON which optional modules were imported once the config was applied and
 * after the request.
 * @module
 */
import * as optional from "../../gateway/optional_modules.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { eventually } from "../helpers/net.ts";

const imported = () =>
  Object.fromEntries(Object.entries(optional).map(([name, module]) => [name, module.loaded !== undefined]));

const [dir, port] = Deno.args;
const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: false });
const applied = imported();
await eventually(() => !gw.wasm.loading, 10_000);
const res = await fetch(`http://127.0.0.1:${port}/`);
await res.body?.cancel();
console.log(JSON.stringify({
  errors: gw.config.status?.errors,
  status: res.status,
  applied,
  afterRequest: imported(),
}));
await gw.close();
