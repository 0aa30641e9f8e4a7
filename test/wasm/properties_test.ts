import assert from "node:assert/strict";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { serializePairs } from "../../wasm/guest/pairs.ts";
import { type PropertyScope, resolveProperty } from "../../wasm/properties/resolve.ts";
import { SharedData, type StreamInfo } from "../../wasm/mod.ts";
import { loadTestPlugin, requestHeaders, responseHeaders, text } from "../helpers/wasm.ts";

Deno.test("properties: request, source, plugin identity, route, node and filter-set values", async () => {
  const sharedData = new SharedData();
  await using loaded = await loadTestPlugin("properties", {
    name: "props",
    rootId: "props-root",
    vmId: "props-vm",
    sharedData,
    node: { id: "router~10.0.0.1~gw.istio-system", metadata: { REGION: "eu-west" } },
  });
  const info: StreamInfo = {
    source: { address: "192.0.2.7", port: 40123 },
    routeName: "reviews-route",
    request: { startTime: Date.now() },
  };
  const stream = loaded.plugin.createStream(info);
  const headers = requestHeaders({ path: "/items/7?x=1", method: "PUT" }, [["user-agent", "curl/8"]]);
  stream.onRequestHeaders(headers, true);
  const got = Object.fromEntries([...headers].filter(([k]) => k.startsWith("x-prop-")));
  assert.deepEqual(got, {
    "x-prop-path": "/items/7?x=1",
    "x-prop-url-path": "/items/7",
    "x-prop-method": "PUT",
    "x-prop-ua": "curl/8",
    "x-prop-source": "192.0.2.7:40123",
    "x-prop-source-port": "40123",
    "x-prop-plugin": "props",
    "x-prop-root": "props-root",
    "x-prop-vm": "props-vm",
    "x-prop-route": "reviews-route",
    "x-prop-node": "router~10.0.0.1~gw.istio-system",
    "x-prop-region": "eu-west",
    "x-prop-time-bytes": "8",
    "x-prop-missing": "<none:1>",
    "x-prop-custom": "allowed",
  });
  info.response = { code: 201 };
  stream.onResponseHeaders(responseHeaders(201), true);
  stream.complete();
  assert.equal(text(sharedData.get("props-vm", "last_response_code")!.value), "201");
  assert.ok(loaded.log.messages().includes("response code 201"));
});

function scope(info: StreamInfo, request?: HeaderList, response?: HeaderList): PropertyScope {
  return {
    pluginName: "p",
    rootId: "r",
    vmId: "v",
    node: undefined,
    info,
    requestHeaders: request,
    responseHeaders: response,
    responseTrailers: undefined,
  };
}

function le64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, n, true);
  return out;
}

Deno.test("property encodings: integers 8-byte LE, booleans 1 byte, durations and timestamps in ns, maps as pairs", () => {
  const request = new HeaderList([":path", "/", "x-a", "1", "x-a", "2"]);
  const s = scope(
    {
      connection: { id: 42, mtls: true, uriSanPeerCertificate: ["spiffe://a", "spiffe://b"] },
      request: { startTime: 1_700_000_000_123, duration: 1.5 },
      destination: { address: "::1", port: 8080 },
      property: (path) => path.join(".") === "metadata.flag" ? 2.5 : undefined,
    },
    request,
    new HeaderList([":status", "404"]),
  );
  assert.deepEqual(resolveProperty(["connection", "id"], s), le64(42n));
  assert.deepEqual(resolveProperty(["connection", "mtls"], s), new Uint8Array([1]));
  assert.deepEqual(resolveProperty(["request", "time"], s), le64(1_700_000_000_123_000_000n));
  assert.deepEqual(resolveProperty(["request", "duration"], s), le64(1_500_000n));
  assert.deepEqual(resolveProperty(["response", "code"], s), le64(404n));
  assert.equal(text(resolveProperty(["destination", "address"], s)!), "[::1]:8080");
  assert.equal(text(resolveProperty(["request", "headers", "x-a"], s)!), "1,2");
  assert.deepEqual(resolveProperty(["request", "headers"], s), serializePairs(request.fields));
  assert.deepEqual(
    resolveProperty(["connection", "uri_san_peer_certificate"], s),
    serializePairs(["spiffe://a", "", "spiffe://b", ""]),
  );
  const double = new Uint8Array(8);
  new DataView(double.buffer).setFloat64(0, 2.5, true);
  assert.deepEqual(resolveProperty(["metadata", "flag"], s), double);
  assert.equal(resolveProperty(["request", "path", "extra"], s), undefined);
  assert.equal(resolveProperty(["source", "address"], s), undefined);
});
