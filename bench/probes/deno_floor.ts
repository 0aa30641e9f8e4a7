/**
 * `deno_floor`: `Deno.serve` forwarding through the gateway's own HTTP/1.1 client and nothing else: request
 * fields copied as they come, response fields as they come back (without the hop-by-hop `connection`), the
 * body as bytes when the client already holds it whole (as the gateway sends it). The floor of any gateway
 * built on `Deno.serve` and that client. Used by `bench/data_path.ts`.
 * Run: `deno run --allow-net bench/probes/deno_floor.ts PORT UPSTREAM_PORT` (listens on 127.0.0.1:PORT).
 * @module
 */
import { Http1Client } from "../../gateway/proxy/http1/client.ts";
import { HeaderList } from "../../gateway/proxy/header_list.ts";

const [port, upstream] = Deno.args.map(Number);
const client = new Http1Client();
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  const url = req.url;
  const fields: string[] = [];
  req.headers.forEach((value, name) => fields.push(name, value));
  const res = await client.send({
    address: "127.0.0.1",
    port: upstream,
    method: req.method,
    path: url.slice(url.indexOf("/", url.indexOf("//") + 2)),
    headers: new HeaderList(fields),
    body: req.body,
  });
  const out: [string, string][] = [];
  const f = res.headers.fields;
  for (let i = 0; i < f.length; i += 2) if (f[i] !== "connection") out.push([f[i], f[i + 1]]);
  const body = (res.bodyBytes as Uint8Array<ArrayBuffer> | undefined) ?? res.body;
  return new Response(body, { status: res.status, headers: out });
});
