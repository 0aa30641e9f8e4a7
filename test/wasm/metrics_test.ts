import assert from "node:assert/strict";
import { MetricStore, MetricType, renderPrometheus, Status } from "../../wasm/mod.ts";
import { bytes, loadTestPlugin, requestHeaders } from "../helpers/wasm.ts";

Deno.test("metrics: counter, gauge and histogram from a filter, with Envoy's rules", async () => {
  const metrics = new MetricStore();
  await using loaded = await loadTestPlugin("metrics", { metrics });
  const first = loaded.plugin.createStream();
  const headers = requestHeaders({ method: "POST" });
  first.onRequestHeaders(headers, false);
  assert.equal(headers.get("x-requests"), "1");
  assert.equal(headers.get("x-negative-status"), String(Status.BadArgument));
  assert.equal(headers.get("x-histogram-get-status"), String(Status.BadArgument));
  first.onRequestBody(bytes("12345"), false);
  first.onRequestBody(bytes("678"), true);
  assert.equal(metrics.byName("portcullis_test_active_streams")?.type, MetricType.Gauge);
  assert.equal((metrics.byName("portcullis_test_active_streams") as { value: number }).value, 1);
  first.complete();
  const second = loaded.plugin.createStream();
  second.onRequestHeaders(requestHeaders(), true);
  second.complete();
  assert.equal((metrics.byName("portcullis_test_requests_total") as { value: number }).value, 2);
  assert.equal((metrics.byName("portcullis_test_active_streams") as { value: number }).value, 0);
  const text = renderPrometheus(metrics);
  assert.match(text, /^# TYPE portcullis_test_requests_total counter\nportcullis_test_requests_total 2$/m);
  assert.match(text, /^# TYPE portcullis_test_active_streams gauge\nportcullis_test_active_streams 0$/m);
  assert.match(text, /^portcullis_test_request_body_bytes_bucket\{le="5"\} 0$/m);
  assert.match(text, /^portcullis_test_request_body_bytes_bucket\{le="10"\} 1$/m);
  assert.match(text, /^portcullis_test_request_body_bytes_sum 8$/m);
  assert.match(text, /^portcullis_test_request_body_bytes_count 1$/m);
});

Deno.test("metrics: a name keeps its id across VMs, types cannot clash, names are sanitized", () => {
  const store = new MetricStore();
  const id = store.define(MetricType.Counter, "wasm.requests-total")!;
  assert.equal(store.define(MetricType.Counter, "wasm.requests-total"), id);
  assert.equal(store.define(MetricType.Gauge, "wasm.requests-total"), undefined);
  assert.equal(store.define(7, "x"), undefined);
  assert.equal(store.increment(id, -1), Status.BadArgument);
  assert.equal(store.record(id, 5), Status.Ok);
  assert.equal(store.increment(999, 1), Status.NotFound);
  assert.match(renderPrometheus(store), /^wasm_requests_total 5$/m);
});
