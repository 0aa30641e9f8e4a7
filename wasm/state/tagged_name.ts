/**
 * Tags encoded in a filter metric's name, as Istio's Wasm stats plugin wrote them and Envoy's tag extraction
 * read them back: proxy-wasm-cpp-sdk's tagged metrics put `tag<value separator>value<field separator>` fields
 * before the metric's name, and Istio chose `=.=` and `;.;` as the separators, so
 * `reporter=.=source;.;response_code=.=200;.;istio_requests_total` is `istio_requests_total` with two tags.
 * Envoy extracts a tag only when its bootstrap has a regex for it (Istio's standard tags, plus
 * `extraStatTags`); this host extracts every well-formed one.
 * @module
 */

/** A metric name split into the name it is exported under and its tags. */
export interface TaggedName {
  /** The name without the tag fields (the whole name when it has none). */
  readonly base: string;
  /** Tag names and values, in the order written. */
  readonly tags: readonly (readonly [string, string])[];
}

const VALUE_SEPARATOR = "=.=";
const FIELD_SEPARATOR = ";.;";
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `tag` can be a Prometheus label of any metric (`le` is a histogram's, `__` names are reserved). */
function usableLabel(tag: string): boolean {
  return LABEL_NAME.test(tag) && tag !== "le" && !tag.startsWith("__");
}

/**
 * The tags at the front of `name` and the name after them. A name whose fields are malformed (a tag name that
 * is not a label name, a repeated tag, nothing after the fields) is returned whole, without tags, as Envoy
 * exports a name it extracts nothing from.
 */
export function parseTaggedName(name: string): TaggedName {
  const tags: [string, string][] = [];
  let at = 0;
  for (;;) {
    const valueAt = name.indexOf(VALUE_SEPARATOR, at);
    if (valueAt < 0) break;
    const tag = name.slice(at, valueAt);
    if (!usableLabel(tag)) break;
    const end = name.indexOf(FIELD_SEPARATOR, valueAt + VALUE_SEPARATOR.length);
    if (end < 0) break;
    if (tags.some(([t]) => t === tag)) return { base: name, tags: [] };
    tags.push([tag, name.slice(valueAt + VALUE_SEPARATOR.length, end)]);
    at = end + FIELD_SEPARATOR.length;
  }
  if (tags.length === 0) return { base: name, tags: [] };
  const base = name.slice(at);
  return base === "" ? { base: name, tags: [] } : { base, tags };
}
