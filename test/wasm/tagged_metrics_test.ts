import assert from "node:assert/strict";
import { MetricStore, MetricType, renderPrometheus } from "../../wasm/mod.ts";
import { parseTaggedName } from "../../wasm/state/tagged_name.ts";

Deno.test("tagged metric names: Istio's `tag=.=value;.;` fields before the name become tags", () => {
  assert.deepEqual(parseTaggedName("reporter=.=source;.;response_code=.=200;.;istio_requests_total"), {
    base: "istio_requests_total",
    tags: [["reporter", "source"], ["response_code", "200"]],
  });
  assert.deepEqual(parseTaggedName("path=.=/a.b=.=c;.;x"), { base: "x", tags: [["path", "/a.b=.=c"]] });
  assert.deepEqual(parseTaggedName("empty=.=;.;x"), { base: "x", tags: [["empty", ""]] });
  assert.deepEqual(parseTaggedName("plain_name"), { base: "plain_name", tags: [] });
  for (
    const whole of [
      "a=.=1;.;",
      "a=.=1;.;a=.=2;.;x",
      "le=.=1;.;x",
      "__name__=.=1;.;x",
      "bad-tag=.=1;.;x",
      "a=.=no_end",
    ]
  ) {
    assert.deepEqual(parseTaggedName(whole), { base: whole, tags: [] }, whole);
  }
  assert.deepEqual(
    parseTaggedName("a=.=1;.;b c=.=2;.;x"),
    { base: "b c=.=2;.;x", tags: [["a", "1"]] },
    "fields stop at the first malformed one",
  );
});

Deno.test("renderPrometheus: tagged metrics are one family with labels; histograms keep `le` last", () => {
  const store = new MetricStore([10, 100]);
  const ok = store.define(MetricType.Counter, "code=.=200;.;route=.=a;.;reqs_total")!;
  const bad = store.define(MetricType.Counter, 'code=.=503;.;route=.=a"b\\c\nd;.;reqs_total')!;
  const plain = store.define(MetricType.Counter, "reqs_total")!;
  const hist = store.define(MetricType.Histogram, "code=.=200;.;duration_ms")!;
  store.define(MetricType.Gauge, "other")!;
  store.increment(ok, 3);
  store.increment(bad, 1);
  store.increment(plain, 7);
  store.record(hist, 5);
  store.record(hist, 50);
  assert.equal(
    renderPrometheus(store),
    [
      "# TYPE reqs_total counter",
      'reqs_total{code="200",route="a"} 3',
      'reqs_total{code="503",route="a\\"b\\\\c\\nd"} 1',
      "reqs_total 7",
      "# TYPE duration_ms histogram",
      'duration_ms_bucket{code="200",le="10"} 1',
      'duration_ms_bucket{code="200",le="100"} 2',
      'duration_ms_bucket{code="200",le="+Inf"} 2',
      'duration_ms_sum{code="200"} 55',
      'duration_ms_count{code="200"} 2',
      "# TYPE other gauge",
      "other 0",
      "",
    ].join("\n"),
  );
});

Deno.test("renderPrometheus: a tagged name whose family has another type is exported whole", () => {
  const store = new MetricStore();
  store.increment(store.define(MetricType.Counter, "x=.=1;.;hits")!, 2);
  store.record(store.define(MetricType.Gauge, "x=.=2;.;hits")!, 9);
  const text = renderPrometheus(store);
  assert.match(text, /^# TYPE hits counter\nhits\{x="1"\} 2$/m);
  assert.match(text, /^# TYPE x___2___hits gauge\nx___2___hits 9$/m);
  assert.equal(text.match(/# TYPE hits /g)?.length, 1);
});
