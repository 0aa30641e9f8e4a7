/**
 * `portcullis filter new|build|test`: scaffold a filter on the SDK, build it to a module a WasmPlugin can
 * load, and run its unit tests on the host emulator.
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildSdkFilter, isFilterDir } from "../../filters/toolchain/sdk_filter.ts";
import { FILTER_CACHE_DIR } from "../../filters/toolchain/cache.ts";
import { exampleYaml, filterSource, filterTest } from "./filter_templates.ts";
import { FILTER_USAGE } from "./filter_usage.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const FILTERS = join(REPO, "filters");
const TESTING = join(FILTERS, "testing", "mod.ts");
const DENO_JSON = join(REPO, "deno.json");

/** Names a filter may have: they become a folder, a header and metric names. */
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A filter's folder: a name under `filters/`, or a path. */
function filterDir(target: string): string {
  return NAME.test(target) && !target.includes("/") ? join(FILTERS, target) : resolve(target);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the skeleton of filter `name` into `dir`. */
export async function newFilter(name: string, dir: string): Promise<string[]> {
  if (!NAME.test(name)) {
    throw new Error(
      `"${name}" is not a filter name: lowercase letters, digits and dashes, starting with a letter`,
    );
  }
  if (await exists(join(dir, "filter.ts"))) throw new Error(`${dir} already holds a filter`);
  await Deno.mkdir(dir, { recursive: true });
  let testing = relative(dir, TESTING).replaceAll("\\", "/");
  if (!testing.startsWith(".")) testing = `./${testing}`;
  const files: [string, string][] = [
    ["filter.ts", filterSource(name)],
    ["example.yaml", exampleYaml(name)],
    ["filter_test.ts", filterTest(name, testing)],
  ];
  for (const [file, text] of files) await Deno.writeTextFile(join(dir, file), text, { createNew: true });
  return files.map(([file]) => join(dir, file));
}

async function runNew(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { dir: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error(`usage:\n${FILTER_USAGE}`);
    return 2;
  }
  const name = positionals[0];
  const dir = values.dir === undefined ? join(FILTERS, name) : resolve(values.dir);
  const written = await newFilter(name, dir);
  const shown = relative(Deno.cwd(), dir) || ".";
  console.log(`wrote ${written.map((f) => relative(Deno.cwd(), f)).join(", ")}
next:
  deno run -A main.ts filter test ${shown}     # unit tests on the host emulator
  deno run -A main.ts filter build ${shown}    # the module the example WasmPlugin loads
  deno run -A main.ts serve --config filters/examples/gateway.yaml --config ${join(shown, "example.yaml")}
  curl -i localhost:8080/`);
  return 0;
}

async function runBuild(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length > 1) {
    console.error(`usage:\n${FILTER_USAGE}`);
    return 2;
  }
  const dir = filterDir(positionals[0] ?? ".");
  if (!await isFilterDir(dir)) {
    console.error(`${dir} has no filter.ts: give a filter name under filters/ or a folder`);
    return 1;
  }
  const out = values.out === undefined
    ? join(FILTER_CACHE_DIR, `${basename(dir)}.wasm`)
    : resolve(values.out);
  const started = performance.now();
  const built = await buildSdkFilter(dir, { out });
  const how = built.built ? `built in ${(performance.now() - started).toFixed(0)} ms` : "unchanged";
  console.log(`${built.name}: ${built.bytes.length} B, ${how} → ${relative(Deno.cwd(), out)}`);
  return 0;
}

async function runTest(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  const dir = filterDir(positionals[0] ?? ".");
  if (!await isFilterDir(dir)) {
    console.error(`${dir} has no filter.ts: give a filter name under filters/ or a folder`);
    return 1;
  }
  const test = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--config", DENO_JSON, dir],
    stdin: "null",
  });
  return (await test.spawn().status).code;
}

/** Runs `filter <subcommand> ...`; returns the exit status. */
export async function filterCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case "new":
        return await runNew(rest);
      case "build":
        return await runBuild(rest);
      case "test":
        return await runTest(rest);
      default:
        console.error(`usage:\n${FILTER_USAGE}`);
        return 2;
    }
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}
