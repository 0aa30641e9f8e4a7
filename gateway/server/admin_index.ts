/**
 * The admin port's index (`/`): the endpoints as JSON for tools, as an HTML page of links for a browser.
 * @module
 */

/** The admin endpoints and what each shows. */
export const ADMIN_ENDPOINTS: readonly { readonly path: string; readonly help: string }[] = [
  { path: "/dashboard", help: "live dashboard: listeners, routes, clusters, traffic charts" },
  { path: "/config_dump", help: "the compiled config: listeners, route tables, clusters, WasmPlugins" },
  { path: "/config_status", help: "the last reload's result, with errors and warnings" },
  { path: "/clusters", help: "endpoints per cluster with health, weight, locality (?format=json)" },
  { path: "/listeners", help: "listener states" },
  { path: "/logging", help: "logger levels (POST ?level=debug, POST ?<logger>=<level>)" },
  { path: "/stats", help: "Envoy-named cluster counters (?filter=REGEX, ?usedonly)" },
  { path: "/stats/prometheus", help: "every metric in Prometheus text format" },
  { path: "/ready", help: "LIVE when ready to serve" },
  { path: "/reload", help: "POST: reload the config now" },
];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML index: one link per endpoint. */
export function adminIndexHtml(): string {
  const rows = ADMIN_ENDPOINTS.map((e) =>
    `<tr><td><a href="${escape(e.path)}">${escape(e.path)}</a></td><td>${escape(e.help)}</td></tr>`
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portcullis admin</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:24px}td{padding:2px 12px 2px 0}</style></head>
<body><h1>Portcullis admin</h1><table>${rows.join("")}</table></body></html>
`;
}
