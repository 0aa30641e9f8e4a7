/**
 * Go's `strconv.ParseBool`, which istiod applies to boolean annotations such as `istio.io/dry-run`.
 * @module
 */

const GO_TRUE: readonly string[] = ["1", "t", "T", "TRUE", "true", "True"];
const GO_FALSE: readonly string[] = ["0", "f", "F", "FALSE", "false", "False"];

/** The boolean `text` spells for Go's `strconv.ParseBool`, or undefined where Go fails (`invalid syntax`). */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.includes(text)) return true;
  if (GO_FALSE.includes(text)) return false;
  return undefined;
}
