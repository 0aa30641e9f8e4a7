/**
 * Command dispatch for `main.ts`.
 * @module
 */
import { parseArgs } from "node:util";
import { validateCommand } from "./validate.ts";
import { FILTER_USAGE } from "./filter_usage.ts";

const USAGE = `usage:
  portcullis serve [--config PATH]... [--mesh FILE] [options]   run the gateway (no --config: the built-in demo)
  portcullis validate [--verbose] PATH...                        check Istio YAML, print file:line:col: errors
${FILTER_USAGE}`;

/** Runs the command line; returns the process exit status. */
export async function runCli(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "validate": {
      const { values, positionals } = parseArgs({
        args: [...rest],
        options: { verbose: { type: "boolean", short: "v" } },
        allowPositionals: true,
      });
      return await validateCommand(positionals, { verbose: values.verbose });
    }
    case "filter": {
      const { filterCommand } = await import("./filter.ts");
      return await filterCommand(rest);
    }
    case "serve": {
      const { serveCommand } = await import("./serve.ts");
      return await serveCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}
