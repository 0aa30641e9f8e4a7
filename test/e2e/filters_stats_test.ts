import assert from "node:assert/strict";
import { withExampleFilter } from "../helpers/filters.ts";
import { eventually, fetchText, startUpstream } from "../helpers/net.ts";

/** One sample of a Prometheus scrape. */
interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

function parseScrape(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2];
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of `name` whose labels include `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
}

const total = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.value, 0);

Deno.test("stats filter (example config): Istio's metrics with route, tenant and content-type labels on :15090, agreeing with the gateway's own", async () => {
  const upstream = startUpstream("app", (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/broken") return new Response("boom", { status: 500 });
    return new Response('{"items":[]}', { headers: { "content-type": "application/json" } });
  });
  await withExampleFilter("stats", async (url, gw, app) => {
    const acme = { headers: { "x-tenant": "acme" } };
    for (let i = 0; i < 3; i++) assert.equal((await fetchText(`${url}/api/items`, acme)).status, 200);
    assert.equal((await fetchText(`${url}/api/broken`, acme)).status, 500);
    for (let i = 0; i < 2; i++) assert.equal((await fetchText(`${url}/login`)).status, 200);
    await app.kill();
    assert.equal((await fetchText(`${url}/home`)).status, 503, "the upstream is gone");

    const scrapeUrl = `http://127.0.0.1:${gw.prometheus!.port}/stats/prometheus`;
    let text = "";
    const counted = await eventually(async () => {
      text = (await fetchText(scrapeUrl)).body;
      return total(find(parseScrape(text), "stats_requests_total")) === 7;
    });
    assert.ok(counted, `seven requests counted:\n${text}`);
    assert.equal(text.match(/^# TYPE stats_requests_total counter$/gm)?.length, 1, "one family");
    const samples = parseScrape(text);

    const items = find(samples, "stats_requests_total", {
      route: "api",
      tenant: "acme",
      response_code: "200",
    });
    assert.equal(items.length, 1);
    assert.equal(items[0].value, 3);
    assert.deepEqual(
      {
        reporter: items[0].labels.reporter,
        source_workload: items[0].labels.source_workload,
        source_workload_namespace: items[0].labels.source_workload_namespace,
        destination_service: items[0].labels.destination_service,
        destination_service_name: items[0].labels.destination_service_name,
        request_protocol: items[0].labels.request_protocol,
        response_flags: items[0].labels.response_flags,
        content_type: items[0].labels.content_type,
        source_principal: items[0].labels.source_principal,
      },
      {
        reporter: "source",
        source_workload: "istio-ingressgateway",
        source_workload_namespace: "istio-system",
        destination_service: "app.default.svc.cluster.local",
        destination_service_name: "app",
        request_protocol: "http",
        response_flags: "-",
        content_type: "application/json",
        source_principal: undefined,
      },
    );
    assert.equal(total(find(samples, "stats_requests_total", { route: "api", response_code: "500" })), 1);
    assert.equal(total(find(samples, "stats_requests_total", { route: "login", tenant: "unknown" })), 2);
    const failed = find(samples, "stats_requests_total", { route: "web", response_code: "503" });
    assert.equal(failed.length, 1);
    assert.match(failed[0].labels.response_flags, /UF/);

    const durations = find(samples, "stats_request_duration_milliseconds_count", {
      route: "api",
      tenant: "acme",
    });
    assert.equal(total(durations), 4);
    assert.ok(
      durations.every((s) => s.labels.content_type === undefined),
      "content_type only on the counter",
    );
    assert.equal(
      find(samples, "stats_response_bytes_sum", { route: "api", response_code: "200" })[0]?.value,
      3 * '{"items":[]}'.length,
    );
    assert.equal(find(samples, "stats_request_bytes_count").length, 0, "dropped in the example");

    // The gateway's own istio_requests_total saw the same requests with the same codes and flags.
    for (const code of ["200", "500", "503"]) {
      assert.equal(
        total(find(samples, "stats_requests_total", { response_code: code })),
        total(find(samples, "istio_requests_total", { response_code: code })),
        `response_code ${code}`,
      );
    }
    const builtIn = find(samples, "istio_requests_total", { response_code: "503" });
    assert.equal(builtIn[0]?.labels.response_flags, failed[0].labels.response_flags);
  }, upstream);
});
