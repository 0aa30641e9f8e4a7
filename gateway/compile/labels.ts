/**
 * Label selection, as Kubernetes and Istio use it for Gateway selectors, subsets and workload selectors.
 * @module
 */

/** True when every label of `selector` is present with the same value in `labels`; an empty selector selects all. */
export function selectorMatches(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** Parses `a=b,c=d` (the `--labels` flag) into a label map. */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    const s = part.trim();
    if (s === "") continue;
    const eq = s.indexOf("=");
    if (eq <= 0) throw new Error(`invalid label "${s}": expected key=value`);
    out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}
