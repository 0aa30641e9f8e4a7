/**
 * Runs one big transfer with the HTTP/1.1 client in a lean process (a `deno test` process alone starts
 * above 200 MB of RSS) and prints `{ bytes, peakRss }` as JSON, RSS sampled every 50 ms.
 * Usage: `_transfer_process.ts PORT upload|download|download-chunked BYTES`.
 * @module
 */
import { Http1Client } from "../../../gateway/proxy/http1/client.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";

const [port, mode, size] = [Number(Deno.args[0]), Deno.args[1], Number(Deno.args[2])];
const CHUNK = 64 * 1024;

let peakRss = Deno.memoryUsage().rss;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}, 50);

const client = new Http1Client();
const base = { address: "127.0.0.1", port, headers: HeaderList.from({ host: "upstream.test" }) };
let bytes = 0;
if (mode === "upload") {
  let produced = 0;
  // A fresh buffer per chunk, as a downstream request body would deliver it.
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const n = Math.min(CHUNK, size - produced);
      if (n === 0) return c.close();
      c.enqueue(new Uint8Array(n).fill(97));
      produced += n;
    },
  }, { highWaterMark: 0 });
  const res = await client.send({ ...base, method: "POST", path: "/upload", body });
  bytes = Number(await new Response(res.body).text());
} else {
  const chunked = mode === "download-chunked" ? "&chunked=1" : "";
  const res = await client.send({
    ...base,
    method: "GET",
    path: `/download?bytes=${size}${chunked}`,
    body: null,
  });
  for await (const chunk of res.body!) bytes += chunk.length;
}
clearInterval(timer);
client.close();
console.log(JSON.stringify({ bytes, peakRss: Math.max(peakRss, Deno.memoryUsage().rss) }));
