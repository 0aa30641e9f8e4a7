/**
 * The usage lines of `portcullis filter` (apart from the command, so that `main.ts` lists them without loading
 * the filter toolchain).
 * @module
 */

/** Usage of the filter commands. */
export const FILTER_USAGE =
  `  portcullis filter new NAME [--dir DIR]                         write a filter skeleton to filters/NAME (or DIR)
  portcullis filter build [NAME|DIR] [--out FILE]                build it (default .cache/filters/NAME.wasm)
  portcullis filter test [NAME|DIR]                              run its unit tests on the host emulator`;
