/**
 * performance.md's `deno_fetch` row: the minimal `Deno.serve` + `fetch()` proxy, what a Deno gateway costs
 * before any gateway logic. Used by `bench/data_path.ts`.
 * Run: `deno run --allow-net bench/probes/deno_fetch.ts PORT UPSTREAM_PORT` (listens on 127.0.0.1:PORT).
 * @module
 */
const [port, upstream] = Deno.args.map(Number);
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (req) => {
  const url = req.url;
  const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
  return fetch(`http://127.0.0.1:${upstream}${path}`, {
    method: req.method,
    headers: req.headers,
    body: req.body,
  });
});
