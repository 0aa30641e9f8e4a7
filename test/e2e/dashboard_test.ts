/**
 * The admin dashboard in a real browser: Debian's headless Chromium driven by playwright-core, against a real
 * gateway with real upstreams and traffic flowing. Skipped (with a message) only when Chromium is not
 * installed; `.ci/run` installs it. The screenshot is left in `.cache/e2e/dashboard.png`.
 * @module
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { gatewayWithRoutes, serveConfig, staticService } from "../helpers/gateway.ts";
import { eventually, fetchText, freePort, startUpstream } from "../helpers/net.ts";

/** Chromium's executable: `$CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`; undefined when absent. */
function chromiumPath(): string | undefined {
  const path = Deno.env.get("CHROMIUM_PATH") || "/usr/bin/chromium";
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

const CHROMIUM = chromiumPath();
if (!CHROMIUM) {
  console.warn(
    "dashboard_test: SKIPPED: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)",
  );
}

const SCREENSHOT = new URL("../../.cache/e2e/dashboard.png", import.meta.url).pathname;

Deno.test({
  name: "dashboard: listeners, routes, clusters with endpoint health, and live charts in Chromium",
  ignore: !CHROMIUM,
  async fn() {
    const app = startUpstream("app");
    const flakyGood = startUpstream("flaky-good");
    const flakyBad = startUpstream("flaky-bad", () => new Response("down", { status: 503 }));
    const port = freePort();
    const gw = await serveConfig(
      gatewayWithRoutes(
        port,
        `  - name: flaky
    match: [{uri: {prefix: /flaky}}]
    route: [{destination: {host: flaky, port: {number: 80}}}]
    retries: {attempts: 0}
  - route: [{destination: {host: app, port: {number: 80}}}]`,
      ) + staticService("app", [app.port]) + staticService("flaky", [flakyGood.port, flakyBad.port]) +
        `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: flaky, namespace: default}
spec:
  host: flaky
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}
`,
    );
    const base = `http://127.0.0.1:${port}`;
    let stop = false;
    let traffic: Promise<void> | undefined;
    let browser: Browser | undefined;
    try {
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      // The admin index links to the dashboard.
      await page.goto(`${gw.adminUrl}/`);
      await page.click('a[href="/dashboard"]');
      assert.equal(await page.title(), "Portcullis dashboard");
      const text = async (selector: string) => (await page.textContent(selector)) ?? "";
      const waitForText = async (selector: string, needle: string) =>
        assert.ok(
          await eventually(async () => (await text(selector)).includes(needle), 10_000),
          `${selector} shows "${needle}": ${await text(selector)}`,
        );

      await waitForText("#listeners", `0.0.0.0_${port}`);
      // Traffic once the page polls (the window records from then on): at most 3000 requests, ~100 per second.
      traffic = (async () => {
        for (let i = 0; i < 3000 && !stop; i++) {
          await fetchText(`${base}/${i % 4 === 0 ? "flaky" : "app"}/${i}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      assert.match(
        await text("#listeners"),
        new RegExp(`127\\.0\\.0\\.1:${port}HTTPlisteninghttp\\.${port}`),
      );

      await waitForText("#routes", `http.${port}`);
      const routes = await text("#routes");
      assert.ok(routes.includes('http[0].match[0] "flaky"'), routes);
      assert.ok(routes.includes("uri ^= /flaky"), routes);
      assert.ok(routes.includes("outbound|80||flaky.default.svc.cluster.local"), routes);
      assert.ok(routes.includes("outbound|80||app.default.svc.cluster.local"), routes);

      await waitForText("#clusters", `127.0.0.1:${app.port} healthy`);
      await waitForText("#clusters", `127.0.0.1:${flakyGood.port} healthy`);
      // The endpoint answering 503 is ejected by outlier detection, and shown so.
      await waitForText("#clusters", `127.0.0.1:${flakyBad.port} failed_outlier_check`);

      // The charts move while traffic flows: the requests/s series changes from one poll to the next.
      const totalRps = 'section#overview svg[data-chart="rps"]';
      const points = async () => (await page.getAttribute(totalRps, "data-points")) ?? "";
      assert.ok(await eventually(async () => (await points()).split(",").some((v) => Number(v) > 0), 10_000));
      const before = await points();
      assert.ok(await eventually(async () => (await points()) !== before, 5_000), "the chart moves");
      assert.ok(Number(await text("#total-rps")) > 0, await text("#total-rps"));
      assert.match(await text("#total-p99"), /^\d+(\.\d+)? ms$/);

      // Per route and per cluster: the flaky route and cluster show their 5xx share, the app route none.
      const flakyRoute = `tr.route[data-key="${port} default/app 0.0"]`;
      const appRoute = `tr.route[data-key="${port} default/app 1.*"]`;
      const flakyCluster = 'tr.cluster[data-key="outbound|80||flaky.default.svc.cluster.local"]';
      for (const row of [flakyRoute, appRoute, flakyCluster]) {
        await page.waitForSelector(`${row} svg[data-chart="latency"]`, { timeout: 5_000 });
      }
      const cells = async (row: string) => (await page.locator(`${row} td.n`).allTextContents());
      assert.match((await cells(flakyRoute))[1], /^[1-9]\d*(\.\d+)?%$/, "flaky route 5xx share");
      assert.equal((await cells(appRoute))[1], "0%", "app route 5xx share");
      assert.match((await cells(flakyCluster))[1], /^[1-9]\d*(\.\d+)?%$/, "flaky cluster 5xx share");

      await Deno.mkdir(new URL(".", `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok((await Deno.stat(SCREENSHOT)).size > 10_000);
    } finally {
      stop = true;
      await browser?.close();
      await traffic;
      await gw.close();
      await Promise.all([app.close(), flakyGood.close(), flakyBad.close()]);
    }
  },
});

Deno.test("dashboard data: nothing is recorded until the dashboard is polled", async () => {
  const app = startUpstream("app");
  const port = freePort();
  const gw = await serveConfig(
    gatewayWithRoutes(port, "  - route: [{destination: {host: app, port: {number: 80}}}]") +
      staticService("app", [app.port]),
  );
  try {
    for (let i = 0; i < 5; i++) await fetchText(`http://127.0.0.1:${port}/before`);
    const first = JSON.parse((await fetchText(`${gw.adminUrl}/dashboard/data`)).body);
    assert.equal(first.traffic.total.summary.requests, 0, "requests before the first poll are not counted");
    for (let i = 0; i < 5; i++) await fetchText(`http://127.0.0.1:${port}/after`);
    // The window ends at the last complete second.
    await new Promise((r) => setTimeout(r, 1100));
    const second = JSON.parse((await fetchText(`${gw.adminUrl}/dashboard/data`)).body);
    assert.equal(second.traffic.total.summary.requests, 5);
    assert.equal(second.traffic.routes[0].key, `${port} default/app 0.*`);
    assert.equal(second.clusters[0].hosts[0].healthy, true);
    // The admin index lists the dashboard and /logging (as JSON unless a browser asks for HTML).
    const index = JSON.parse((await fetchText(`${gw.adminUrl}/`)).body);
    assert.ok(
      index.endpoints.includes("/dashboard") && index.endpoints.includes("/logging"),
      index.endpoints,
    );
  } finally {
    await gw.close();
    await app.close();
  }
});
