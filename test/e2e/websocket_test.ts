import assert from "node:assert/strict";
import { corpusPath } from "../helpers/corpus.ts";
import { startTestGateway } from "../helpers/gateway.ts";
import { freePort } from "../helpers/net.ts";

/** A WebSocket echo server that reports the subprotocol, a header, and the close it received. */
function startEchoServer() {
  const closes: { code: number; reason: string }[] = [];
  const headers: Headers[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    headers.push(new Headers(req.headers));
    const { socket, response } = Deno.upgradeWebSocket(req, { protocol: "chat.v1" });
    socket.onmessage = (e) => socket.send(e.data);
    socket.onclose = (e) => closes.push({ code: e.code, reason: e.reason });
    return response;
  });
  return { port: server.addr.port, closes, headers, close: () => server.shutdown() };
}

Deno.test("websockets sample: upgrade proxied end to end with subprotocol, text, binary and close code", async () => {
  const echo = startEchoServer();
  const port = freePort();
  const sample = await Deno.readTextFile(`${corpusPath("istio-istio/samples/websockets")}/route.yaml`);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/route.yaml`,
    sample.replace("number: 80", `number: ${port}`) + `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: tornado}
spec:
  hosts: [tornado.default.svc.cluster.local]
  resolution: STATIC
  ports: [{number: 8888, name: http, protocol: HTTP, targetPort: ${echo.port}}]
  endpoints: [{address: 127.0.0.1}]
`,
  );
  const gw = await startTestGateway({ kind: "paths", paths: [dir] }, { watch: false });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, ["chat.v1", "chat.v0"]);
    ws.binaryType = "arraybuffer";
    const messages: (string | ArrayBuffer)[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket error"));
    });
    assert.equal(ws.protocol, "chat.v1");
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        ws.onmessage = (e) => {
          messages.push(e.data);
          if (messages.length === n) resolve();
        };
      });
    const two = got(2);
    ws.send("hello");
    ws.send(new Uint8Array([1, 2, 3]));
    await two;
    assert.equal(messages[0], "hello");
    assert.deepEqual([...new Uint8Array(messages[1] as ArrayBuffer)], [1, 2, 3]);
    const closed = new Promise<void>((resolve) => (ws.onclose = () => resolve()));
    ws.close(4001, "bye");
    await closed;
    for (let i = 0; i < 100 && echo.closes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(echo.closes[0], { code: 4001, reason: "bye" });
    assert.equal(echo.headers[0].get("x-forwarded-for"), "127.0.0.1");
  } finally {
    await gw.close();
    await echo.close();
    await Deno.remove(dir, { recursive: true });
  }
});
