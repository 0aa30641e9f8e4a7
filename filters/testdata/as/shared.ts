// Shared data and shared queues. Every request increments the "counter" key with a compare-and-swap loop
// and reports the new value in x-counter. A plugin configured "consumer" registers queue "events" and,
// on each on_queue_ready, drains it into the "events_seen" key; a request with x-enqueue puts that value on
// the queue of its VM id.
import {
  addHeader,
  dequeue,
  enqueue,
  getBufferString,
  getHeader,
  getPropertyString,
  getSharedData,
  lastCas,
  lastStatus,
  PLUGIN_CONFIGURATION,
  registerQueue,
  REQUEST_HEADERS,
  resolveQueue,
  setSharedData,
} from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

const CAS_MISMATCH: u32 = 8;

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_configure(context: u32, size: u32): u32 {
  const config = getBufferString(PLUGIN_CONFIGURATION, 0, size);
  if (config !== null && config == "consumer") registerQueue("events");
  return 1;
}

function increment(key: string): u32 {
  while (true) {
    const current = getSharedData(key);
    const cas = current === null ? 0 : lastCas;
    const next = (current === null ? 0 : U32.parseInt(current)) + 1;
    const status = setSharedData(key, next.toString(), cas);
    if (status == 0) return next;
    if (status != CAS_MISMATCH) return 0;
  }
}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  addHeader(REQUEST_HEADERS, "x-counter", increment("counter").toString());
  const item = getHeader(REQUEST_HEADERS, "x-enqueue");
  if (item !== null) {
    const id = resolveQueue(getPropertyString(["plugin_vm_id"]), "events");
    addHeader(REQUEST_HEADERS, "x-enqueue-status", lastStatus == 0 ? enqueue(id, item).toString() : "resolve:" + lastStatus.toString());
  }
  return 0;
}

export function proxy_on_queue_ready(context: u32, queue: u32): void {
  let item = dequeue(queue);
  while (item !== null) {
    const seen = getSharedData("events_seen");
    setSharedData("events_seen", seen === null ? item : seen + "," + item, 0);
    item = dequeue(queue);
  }
}
