/**
 * The files `filter new NAME` writes: a working filter on the SDK, its example WasmPlugin, and a unit test on
 * the host emulator.
 * @module
 */

/** The filter's source (`filter.ts`). */
export function filterSource(name: string): string {
  return `// ${name}: a Portcullis filter (AssemblyScript on the filter SDK, see filters/sdk/README.md).
// It adds \`x-${name}: <greeting>\` to requests and responses, and answers 403 to paths under \`denyPrefix\`.
// Build: deno run -A main.ts filter build <this folder>    Test: deno run -A main.ts filter test <this folder>
import {
  Action,
  Counter,
  log,
  parseJson,
  registerFilter,
  request,
  response,
  RootContext,
  sendLocalReply,
  StreamContext,
} from "@portcullis/filter-sdk";

/** The plugin configuration (the WasmPlugin's \`pluginConfig\`). */
class Config {
  greeting: string = "hello";
  denyPrefix: string = "";
}

/** One per VM: reads the configuration, makes a stream context per request. */
class Root extends RootContext {
  config: Config = new Config();

  onConfigure(text: string): bool {
    const json = parseJson(text.length == 0 ? "{}" : text);
    if (json === null || !json.isObject()) {
      log.error("${name}: the configuration must be a JSON object");
      return false;
    }
    this.config.greeting = json.getString("greeting", "hello");
    this.config.denyPrefix = json.getString("denyPrefix", "");
    return true;
  }

  newStream(): StreamContext {
    return new Stream(this.config);
  }
}

/** Requests seen, exported on /stats/prometheus. */
const requests = new Counter("${name}_requests");

/** One per request. */
class Stream extends StreamContext {
  constructor(public config: Config) {
    super();
  }

  onRequestHeaders(endOfStream: bool): Action {
    requests.increment();
    const path = request.headers.get(":path");
    const deny = this.config.denyPrefix;
    if (deny.length > 0 && path !== null && path.startsWith(deny)) {
      sendLocalReply(403, "denied by ${name}\\n");
      return Action.Pause;
    }
    request.headers.set("x-${name}", this.config.greeting);
    return Action.Continue;
  }

  onResponseHeaders(endOfStream: bool): Action {
    response.headers.set("x-${name}", this.config.greeting);
    return Action.Continue;
  }
}

registerFilter((): RootContext => new Root());
`;
}

/** The example WasmPlugin (`example.yaml`). */
export function exampleYaml(name: string): string {
  return `# The ${name} filter as a WasmPlugin for gateways labelled istio=ingressgateway (the default of \`serve\`).
# Build the module, then run it with a Gateway and routes from the repository root:
#   deno run -A main.ts filter build ${name}
#   deno run -A main.ts serve --config filters/examples/gateway.yaml --config <this file>
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ${name}
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: file://.cache/filters/${name}.wasm
  pluginConfig:
    greeting: hello
    denyPrefix: /private
`;
}

/** The unit test (`filter_test.ts`); `testing` is the import path of `filters/testing/mod.ts`. */
export function filterTest(name: string, testing: string): string {
  return `import assert from "node:assert/strict";
import { FilterHost } from "${testing}";

/** This folder: the host emulator builds the filter from it. */
const FILTER = new URL("./", import.meta.url);

Deno.test("${name}: adds x-${name} with the configured greeting to the request and the response", async () => {
  await using host = await FilterHost.load(FILTER, { config: { greeting: "hi" } });
  const stream = host.stream();
  assert.equal(stream.sendRequestHeaders({ ":path": "/hello" }).action, "continue");
  assert.equal(stream.requestHeader("x-${name}"), "hi");
  assert.equal(stream.sendResponseHeaders(200).action, "continue");
  assert.equal(stream.responseHeader("x-${name}"), "hi");
  assert.equal(host.metric("${name}_requests"), 1);
});

Deno.test("${name}: answers 403 to paths under denyPrefix", async () => {
  await using host = await FilterHost.load(FILTER, { config: { denyPrefix: "/private" } });
  const outcome = host.stream().sendRequestHeaders({ ":path": "/private/x" });
  assert.equal(outcome.action, "reply");
  assert.equal(outcome.action === "reply" && outcome.reply.status, 403);
  assert.equal(outcome.action === "reply" && outcome.reply.body, "denied by ${name}\\n");
});

Deno.test("${name}: a configuration that is not a JSON object is refused", async () => {
  await assert.rejects(FilterHost.load(FILTER, { config: "[1, 2]" }), /must be a JSON object/);
});
`;
}
