/**
 * `paths` with `{*}` / `{**}` templates, as Envoy's `uri_template` matcher runs them once istiod has turned
 * `{*}` into `*` and `{**}` into `**`: `*` is one non-empty path segment, `**` zero or more characters across
 * segments (it must be last), other segments are literal; the whole path (without query) must match.
 * @module
 */

// RFC 3986 pchar without `*` and `/` (Envoy's literal set).
const LITERAL = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";

/** Whether `path` holds a `{*}` or `{**}` template (istiod's `ContainsPathTemplate`). */
export function isPathTemplate(path: string): boolean {
  return path.includes("{*}") || path.includes("{**}");
}

/** The test of a path template; a template Envoy would reject matches nothing. */
export function pathTemplateTest(template: string): (path: string) => boolean {
  if (!template.startsWith("/")) return () => false;
  const segments = template.slice(1).split("/").map((segment) => {
    if (segment === "{*}") return `[${LITERAL}]+`;
    if (segment === "{**}") return `[${LITERAL}/]*`;
    return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  const re = new RegExp(`^/${segments.join("/")}$`);
  return (path) => re.test(path);
}
