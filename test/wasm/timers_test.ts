import assert from "node:assert/strict";
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { type CalloutRequest, MetricStore, SharedData } from "../../wasm/mod.ts";
import { bytes, loadTestPlugin, text, waitFor } from "../helpers/wasm.ts";

Deno.test("timers: on_tick runs on the period and its callout answers on the root context", async () => {
  const sharedData = new SharedData();
  const metrics = new MetricStore();
  const calls: CalloutRequest[] = [];
  const loaded = await loadTestPlugin("ticker", {
    pluginConfig: "10",
    sharedData,
    metrics,
    callout: (request) => {
      if (request.cluster !== "ticker") return undefined;
      calls.push(request);
      return Promise.resolve({ status: 200, headers: new HeaderList(), body: bytes(`pong ${calls.length}`) });
    },
  });
  const ticks = () =>
    (metrics.byName("portcullis_test_ticks_total") as { value: number } | undefined)?.value ?? 0;
  await waitFor(() => ticks() >= 3);
  await waitFor(() => sharedData.get("", "tick_body") !== undefined);
  assert.match(text(sharedData.get("", "tick_body")!.value), /^pong \d+$/);
  assert.equal(calls[0].headers.get(":path"), "/tick");
  assert.equal(text(calls[0].body), "tick");
  assert.equal(calls[0].headers.get("content-length"), "4");
  await loaded.plugin.dispose();
  const after = ticks();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(ticks(), after, "no tick after dispose");
});

Deno.test("timers: a failed tick callout is delivered as a failure", async () => {
  const sharedData = new SharedData();
  await using _loaded = await loadTestPlugin("ticker", {
    pluginConfig: "5",
    sharedData,
    callout: () => Promise.reject(new Error("no upstream")),
  });
  await waitFor(() => sharedData.get("", "tick_body") !== undefined);
  assert.equal(text(sharedData.get("", "tick_body")!.value), "failed");
});
