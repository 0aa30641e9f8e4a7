import assert from "node:assert/strict";
import {
  extractB3,
  extractB3Sampled,
  extractW3c,
  formatTraceparent,
  parseTraceparent,
} from "../../../gateway/telemetry/tracing/mod.ts";
import { propagatorFor } from "../../../gateway/telemetry/tracing/propagation.ts";
import { HeaderList } from "../../../gateway/proxy/header_list.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

function getter(headers: Record<string, string>) {
  const h = new Headers(headers);
  return (name: string) => h.get(name);
}

Deno.test("w3c: a valid traceparent gives the parent and its sampled flag", () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`, "a=1"), {
    parent: { traceId: TRACE, spanId: SPAN, traceState: "a=1" },
    sampled: true,
  });
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.sampled, false);
  assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled, true, "only bit 0 is the sampled flag");
  // Envoy checks hex digits, not case or version: uppercase ids are read (and sent on lowercase).
  assert.equal(parseTraceparent(`00-${TRACE.toUpperCase()}-${SPAN}-01`)?.parent.traceId, TRACE);
  assert.equal(parseTraceparent(`cc-${TRACE}-${SPAN}-01`)?.parent.spanId, SPAN);
});

Deno.test("w3c: malformed traceparents are refused (no span, headers unchanged)", () => {
  for (
    const bad of [
      "",
      `00-${TRACE}-${SPAN}-1`, // short
      `00-${TRACE}-${SPAN}-011`, // long
      `00-${TRACE}${SPAN}--01`, // hyphenation
      `0-0${TRACE}-${SPAN}-01`, // field sizes
      `00-${TRACE.slice(0, 31)}g-${SPAN}-01`, // not hex
      `00-${"0".repeat(32)}-${SPAN}-01`, // zero trace id
      `00-${TRACE}-${"0".repeat(16)}-01`, // zero parent id
      `00_${TRACE}_${SPAN}_01`,
    ]
  ) assert.equal(parseTraceparent(bad), undefined, bad);
  assert.equal(extractW3c(getter({ traceparent: "garbage" })), null);
  assert.deepEqual(extractW3c(getter({ tracestate: "a=1" })), {}, "tracestate alone is ignored");
});

Deno.test("w3c: outgoing traceparent pads 64-bit trace ids", () => {
  assert.equal(
    formatTraceparent({ traceId: TRACE, spanId: SPAN, sampled: true, traceState: "" }),
    `00-${TRACE}-${SPAN}-01`,
  );
  assert.equal(
    formatTraceparent({ traceId: "80f198ee56343ba8", spanId: SPAN, sampled: false, traceState: "" }),
    `00-000000000000000080f198ee56343ba8-${SPAN}-00`,
  );
});

Deno.test("b3: single header variants (64/128-bit, flags, parent) as Envoy reads them", () => {
  const single = (b3: string) => extractB3(getter({ b3 }));
  assert.deepEqual(single("80f198ee56343ba8-e457b5a2e4d86bd1"), {
    parent: { traceId: "80f198ee56343ba8", spanId: "e457b5a2e4d86bd1", traceState: "" },
  });
  assert.deepEqual(single(`${TRACE}-${SPAN}-1`), {
    parent: { traceId: TRACE, spanId: SPAN, traceState: "" },
    sampled: true,
  });
  assert.equal(single(`${TRACE}-${SPAN}-d-05e3ac9a4f6e3b90`)?.sampled, true, "debug means sampled");
  assert.equal(single(`80f198ee56343ba8-${SPAN}-0-05e3ac9a4f6e3b90`)?.sampled, false);
  assert.deepEqual(single("0"), { sampled: false }, "a lone flag: no context, a decision");
  assert.deepEqual(single("d"), { sampled: true });
  for (
    const bad of [
      "",
      "x",
      "80f198ee56343ba8-e457b5a2e4d86bd", // truncated
      "80f198ee56343ba8-e457b5a2e4d86bd1-", // dangling
      "80f198ee56343ba8-e457b5a2e4d86bd1-2", // bad flag
      "80f198ee56343ba8-e457b5a2e4d86bd1-1-05e3", // short parent
      "80f198ee56343ba8+e457b5a2e4d86bd1",
      "zzf198ee56343ba8-e457b5a2e4d86bd1",
      `${TRACE}-${SPAN}-1-05e3ac9a4f6e3b90-extra`, // too long
    ]
  ) assert.equal(single(bad), null, bad);
});

Deno.test("b3: multi headers, lenient ids, the single header wins", () => {
  assert.deepEqual(
    extractB3(getter({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-sampled": "true" })),
    { parent: { traceId: TRACE, spanId: SPAN, traceState: "" }, sampled: true },
  );
  assert.deepEqual(
    extractB3(getter({ "x-b3-traceid": "ABC", "x-b3-spanid": "1" })),
    { parent: { traceId: "0000000000000abc", spanId: "0000000000000001", traceState: "" } },
    "short ids are numbers, zero-padded",
  );
  assert.equal(extractB3(getter({ "x-b3-traceid": "xyz", "x-b3-spanid": SPAN })), null);
  assert.equal(
    extractB3(getter({ "x-b3-traceid": TRACE, "x-b3-spanid": SPAN, "x-b3-parentspanid": "nothex" })),
    null,
  );
  assert.deepEqual(extractB3(getter({ "x-b3-traceid": TRACE })), {}, "a trace id alone is no context");
  assert.deepEqual(extractB3(getter({ "x-b3-sampled": "yes" })), { sampled: false }, "only 1/true sample");
  assert.equal(
    extractB3(getter({ b3: "80f198ee56343ba8-e457b5a2e4d86bd1", "x-b3-traceid": TRACE, "x-b3-spanid": SPAN }))
      ?.parent?.traceId,
    "80f198ee56343ba8",
  );
  assert.equal(extractB3Sampled(getter({ "x-b3-flags": "1" })), undefined, "x-b3-flags is not read");
});

Deno.test("propagation: OpenTelemetry samples only when both the gateway and the caller do", () => {
  const w3c = propagatorFor("w3c");
  const parent = w3c.extract(getter({ traceparent: `00-${TRACE}-${SPAN}-01` }))!;
  const unsampled = w3c.extract(getter({ traceparent: `00-${TRACE}-${SPAN}-00` }))!;
  assert.equal(w3c.sampled(parent, true), true);
  assert.equal(w3c.sampled(parent, false), false);
  assert.equal(w3c.sampled(unsampled, true), false);
  assert.equal(w3c.sampled({}, true), true);
  const out = new HeaderList();
  w3c.inject((n, v) => out.setValid(n, v), { traceId: TRACE, spanId: SPAN, sampled: false, traceState: "" });
  assert.deepEqual(out.fields, ["traceparent", `00-${TRACE}-${SPAN}-00`, "tracestate", ""]);
});

Deno.test("propagation: Zipkin follows the caller's B3 decision, else the gateway's", () => {
  const b3 = propagatorFor("b3");
  assert.equal(b3.sampled({ sampled: true }, false), true);
  assert.equal(b3.sampled({ sampled: false }, true), false);
  assert.equal(b3.sampled({}, true), true);
  const out = new HeaderList();
  b3.inject((n, v) => out.setValid(n, v), {
    traceId: TRACE,
    spanId: SPAN,
    parentSpanId: "05e3ac9a4f6e3b90",
    sampled: true,
    traceState: "",
  });
  assert.deepEqual(out.fields, [
    "x-b3-traceid",
    TRACE,
    "x-b3-spanid",
    SPAN,
    "x-b3-parentspanid",
    "05e3ac9a4f6e3b90",
    "x-b3-sampled",
    "1",
  ]);
});

Deno.test("propagation: B3 with W3C reads traceparent when no B3 context came, and sends both", () => {
  const both = propagatorFor("b3+w3c");
  assert.equal(both.extract(getter({ traceparent: `00-${TRACE}-${SPAN}-01` }))?.parent?.traceId, TRACE);
  assert.equal(
    both.extract(getter({ traceparent: `00-${TRACE}-${SPAN}-01`, b3: "80f198ee56343ba8-e457b5a2e4d86bd1" }))
      ?.parent?.traceId,
    "80f198ee56343ba8",
    "B3 first",
  );
  assert.equal(
    both.extract(getter({ traceparent: `00-${TRACE}-${SPAN}-01`, "x-b3-sampled": "0" }))?.sampled,
    false,
    "a B3 flag still states the decision",
  );
  const out = new HeaderList();
  both.inject((n, v) => out.setValid(n, v), { traceId: TRACE, spanId: SPAN, sampled: true, traceState: "" });
  assert.equal(out.get("traceparent"), `00-${TRACE}-${SPAN}-01`);
  assert.equal(out.get("x-b3-sampled"), "1");
  assert.equal(out.get("x-b3-parentspanid"), null, "a root span has no parent header");
});
