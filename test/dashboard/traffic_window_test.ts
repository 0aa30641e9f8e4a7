import assert from "node:assert/strict";
import { OTHER_KEY, routeKey, TrafficWindow } from "../../gateway/dashboard/traffic_window.ts";
import { WINDOW_SECONDS } from "../../gateway/dashboard/series_window.ts";
import type { RecordedRoute } from "../../gateway/telemetry/request_record.ts";
import { noRoute, productpage, reviewsConnectFailure } from "../telemetry/_records.ts";

/** A window on a clock the test moves. */
function windowAt(startMs: number, options = {}) {
  const clock = { now: startMs };
  const window = new TrafficWindow({ now: () => clock.now, ...options });
  return { clock, window };
}

const PRODUCTPAGE: RecordedRoute = { virtualService: "bookinfo/bookinfo", rule: 0, matchIndex: 1, name: "" };
const REVIEWS: RecordedRoute = { virtualService: "bookinfo/bookinfo", rule: 1, name: "reviews" };

Deno.test("traffic window: records nothing until watched, and stops when no longer watched", () => {
  const { clock, window } = windowAt(1_000_000, { watchMs: 30_000 });
  assert.equal(window.active, false);
  window.record(productpage());
  window.watch();
  assert.equal(window.active, true);
  window.record(productpage());
  clock.now += 30_000;
  assert.equal(window.active, false);
  window.record(productpage());
  clock.now += 1000;
  assert.equal(window.view().total.summary.requests, 1);
});

Deno.test("traffic window: per second requests, 5xx share and percentiles, per route and cluster", () => {
  const { clock, window } = windowAt(2_000_000_500);
  window.watch();
  for (let i = 0; i < 8; i++) window.record(productpage({ route: PRODUCTPAGE, durationMs: 4 }));
  for (let i = 0; i < 2; i++) window.record(reviewsConnectFailure({ route: REVIEWS, durationMs: 30 }));
  clock.now += 1000;
  window.record(noRoute({ durationMs: 0 }));
  clock.now += 1000;
  const view = window.view();
  assert.equal(view.seconds, WINDOW_SECONDS);
  assert.equal(view.lastSecond, 2_000_001);
  const total = view.total;
  assert.equal(total.rps.length, WINDOW_SECONDS);
  assert.deepEqual(total.rps.slice(-3), [0, 10, 1]);
  assert.deepEqual(total.errorRate.slice(-3), [null, 0.2, 0]);
  assert.deepEqual(total.p50.slice(-2), [4, 0]);
  assert.equal(total.p99.at(-2)! > 25 && total.p99.at(-2)! <= 30, true, `p99 ${total.p99.at(-2)}`);
  // Over the window: 0 ms, 8 × 4 ms, 2 × 30 ms; p90 and p99 fall in the (25, 30] bucket, interpolated.
  assert.deepEqual(total.summary, {
    requests: 11,
    rps: 1,
    errorRate: 2 / 11,
    p50: 4,
    p90: 27.25,
    p99: 29.725,
  });

  const routes = new Map(view.routes.map((s) => [s.key, s]));
  assert.deepEqual([...routes.keys()], [
    routeKey(8080, PRODUCTPAGE),
    routeKey(8080, REVIEWS),
    "8080 (no route)",
  ]);
  assert.equal(routes.get(routeKey(8080, PRODUCTPAGE))!.summary.requests, 8);
  assert.equal(routes.get(routeKey(8080, REVIEWS))!.summary.errorRate, 1);
  const clusters = new Map(view.clusters.map((s) => [s.key, s]));
  assert.deepEqual([...clusters.keys()], [
    "outbound|9080||productpage.bookinfo.svc.cluster.local",
    "outbound|9080|v2|reviews.bookinfo.svc.cluster.local",
  ], "a request without a cluster counts for no cluster");
});

Deno.test("traffic window: a second's slot is reused a minute later, old counts gone", () => {
  const { clock, window } = windowAt(3_000_000_000);
  window.watch();
  for (let i = 0; i < 5; i++) window.record(productpage());
  clock.now += WINDOW_SECONDS * 1000;
  window.watch();
  window.record(productpage());
  clock.now += 1000;
  const total = window.view().total;
  assert.equal(total.summary.requests, 1);
  assert.deepEqual(total.rps.slice(-1), [1]);
});

Deno.test("traffic window: routes past the cap count as other until an idle route makes room", () => {
  const { clock, window } = windowAt(4_000_000_000, { maxRoutes: 2, watchMs: 1e9 });
  window.watch();
  const route = (rule: number): RecordedRoute => ({ virtualService: "default/app", rule, name: "" });
  for (const rule of [0, 1, 2, 3]) window.record(productpage({ route: route(rule) }));
  let keys = window.view().routes.map((s) => s.key);
  assert.deepEqual(keys, [routeKey(8080, route(0)), routeKey(8080, route(1)), OTHER_KEY]);
  assert.equal(window.view().routes.at(-1)!.rps.length, WINDOW_SECONDS);

  clock.now += 30_000;
  window.record(productpage({ route: route(1) }));
  clock.now += WINDOW_SECONDS * 1000 - 20_000;
  window.record(productpage({ route: route(4) }));
  keys = window.view().routes.map((s) => s.key);
  assert.deepEqual(keys, [routeKey(8080, route(1)), routeKey(8080, route(4)), OTHER_KEY], "route 0 was idle");
});
