/**
 * WebSocket upgrades proxied end to end (Istio enables Envoy's websocket upgrade on every route): the upstream
 * WebSocket is opened first with the client's subprotocols and the gateway's request headers, then the client
 * is upgraded with the protocol the upstream chose, and messages and close codes are relayed both ways.
 * @module
 */
import type { HeaderList } from "./header_list.ts";
import type { Endpoint } from "../compile/types.ts";
import { HOP_BY_HOP } from "./headers.ts";
import { localReply, upstreamResetBody } from "./local_reply.ts";

/** True when the request asks to upgrade to WebSocket. */
export function isWebSocketUpgrade(req: Request): boolean {
  return req.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** Headers the WebSocket handshake owns; the client library generates them for the upstream leg. */
const HANDSHAKE = new Set([
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "sec-websocket-accept",
  "host",
  "content-length",
]);

/** How long the upstream handshake may take before the client gets a 503. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the upstream WebSocket at `target` + `path` and, once open, upgrades the client and relays.
 * `headers` are the upstream request headers the gateway built (forwarding headers, route header rules).
 */
export async function proxyWebSocket(
  req: Request,
  target: Endpoint,
  path: string,
  headers: HeaderList,
): Promise<Response> {
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter((
    p,
  ) => p !== "");
  const upstreamHeaders: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!HANDSHAKE.has(name) && !HOP_BY_HOP.has(name)) upstreamHeaders[name] = value;
  });
  const host = target.address.includes(":") ? `[${target.address}]` : target.address;
  let upstream: WebSocket;
  try {
    upstream = new WebSocket(`ws://${host}:${target.port}${path}`, { protocols, headers: upstreamHeaders });
  } catch (e) {
    return localReply(503, upstreamResetBody(`connection_failure: ${(e as Error).message}`));
  }
  upstream.binaryType = "arraybuffer";
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS);
    upstream.onopen = () => (clearTimeout(timer), resolve(true));
    upstream.onerror = () => (clearTimeout(timer), resolve(false));
    upstream.onclose = () => (clearTimeout(timer), resolve(false));
  });
  if (!opened) {
    try {
      upstream.close();
    } catch {
      // already closed
    }
    return localReply(503, upstreamResetBody("connection_failure"));
  }
  const { socket: client, response } = Deno.upgradeWebSocket(req, {
    protocol: upstream.protocol || undefined,
  });
  client.binaryType = "arraybuffer";
  relay(client, upstream);
  relay(upstream, client);
  return response;
}

/** Forwards messages from `from` to `to`, and a close (with its code and reason) once either side closes. */
function relay(from: WebSocket, to: WebSocket): void {
  const pending: (string | ArrayBuffer)[] = [];
  from.onmessage = (e) => {
    if (to.readyState === WebSocket.OPEN) to.send(e.data);
    else if (to.readyState === WebSocket.CONNECTING) pending.push(e.data);
  };
  to.addEventListener("open", () => {
    for (const m of pending.splice(0)) to.send(m);
  });
  from.onclose = (e) => closeQuietly(to, e.code, e.reason);
  from.onerror = () => closeQuietly(to, 1011, "");
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  // 1005/1006 cannot be sent on the wire; they mean "no code" and "abnormal" on the side that saw them.
  const sendable = code === 1000 || (code >= 3000 && code <= 4999) ||
    (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006);
  try {
    if (sendable) ws.close(code, reason);
    else ws.close();
  } catch {
    // the socket went away meanwhile
  }
}
