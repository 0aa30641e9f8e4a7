/**
 * Portcullis command line: `serve` runs the gateway, `validate` checks config files.
 * @module
 */
import { runCli } from "./gateway/cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
