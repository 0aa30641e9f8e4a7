import assert from "node:assert/strict";
import { SharedData, SharedQueues, Status } from "../../wasm/mod.ts";
import { bytes, loadTestPlugin, requestHeaders, text, waitFor } from "../helpers/wasm.ts";

function count(plugin: { createStream(): import("../../wasm/mod.ts").HttpFilterStream }): string | null {
  const headers = requestHeaders();
  const stream = plugin.createStream();
  stream.onRequestHeaders(headers, true);
  stream.complete();
  return headers.get("x-counter");
}

Deno.test("shared data: a CAS counter is shared across requests and by every VM of a vm_id", async () => {
  const sharedData = new SharedData();
  await using a = await loadTestPlugin("shared", { vmId: "counters", sharedData });
  await using b = await loadTestPlugin("shared", { name: "shared-b", vmId: "counters", sharedData });
  await using other = await loadTestPlugin("shared", { vmId: "elsewhere", sharedData });
  assert.equal(count(a.plugin), "1");
  assert.equal(count(a.plugin), "2");
  assert.equal(count(b.plugin), "3");
  assert.equal(count(other.plugin), "1");
  assert.equal(text(sharedData.get("counters", "counter")!.value), "3");
});

Deno.test("shared data: writes with a stale CAS fail, CAS 0 always writes, a new key takes any CAS", () => {
  const data = new SharedData();
  assert.equal(data.set("vm", "k", bytes("1"), 12345), Status.Ok);
  const first = data.get("vm", "k")!;
  assert.equal(data.set("vm", "k", bytes("2"), first.cas), Status.Ok);
  assert.equal(data.set("vm", "k", bytes("3"), first.cas), Status.CasMismatch);
  assert.equal(data.set("vm", "k", bytes("4"), 0), Status.Ok);
  assert.equal(text(data.get("vm", "k")!.value), "4");
  assert.notEqual(data.get("vm", "k")!.cas, first.cas);
  assert.equal(data.get("other-vm", "k"), undefined);
});

Deno.test("shared queues: a producer VM enqueues, the registering VM drains it in on_queue_ready", async () => {
  const sharedData = new SharedData();
  const sharedQueues = new SharedQueues();
  await using consumer = await loadTestPlugin("shared", {
    vmId: "q",
    pluginConfig: "consumer",
    sharedData,
    sharedQueues,
  });
  await using producer = await loadTestPlugin("shared", {
    name: "producer",
    vmId: "q",
    sharedData,
    sharedQueues,
  });
  for (const item of ["one", "two"]) {
    const headers = requestHeaders({}, [["x-enqueue", item]]);
    const stream = producer.plugin.createStream();
    stream.onRequestHeaders(headers, true);
    stream.complete();
    assert.equal(headers.get("x-enqueue-status"), "0");
  }
  await waitFor(() =>
    sharedData.get("q", "events_seen") !== undefined &&
    text(sharedData.get("q", "events_seen")!.value) === "one,two"
  );
  assert.equal(sharedQueues.size(sharedQueues.resolve("q", "events")!), 0);
  assert.ok(consumer.plugin.state === "ready");
});

Deno.test("shared queues: resolving an unknown queue is NOT_FOUND; an empty queue is EMPTY", async () => {
  await using producer = await loadTestPlugin("shared", { vmId: "nobody" });
  const headers = requestHeaders({}, [["x-enqueue", "x"]]);
  const stream = producer.plugin.createStream();
  stream.onRequestHeaders(headers, true);
  stream.complete();
  assert.equal(headers.get("x-enqueue-status"), `resolve:${Status.NotFound}`);
  const queues = new SharedQueues();
  const id = queues.register("vm", "q", { queueReady() {} });
  assert.equal(queues.dequeue(id), Status.Empty);
  assert.equal(queues.dequeue(id + 100), Status.NotFound);
  assert.equal(queues.register("vm", "q", { queueReady() {} }), id);
});
