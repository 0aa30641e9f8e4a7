import assert from "node:assert/strict";
import { loadConfigTexts } from "../../gateway/config/load.ts";
import type { HTTPFaultInjection } from "../../gateway/config/kinds/networking/virtual_service.ts";
import {
  abortResponse,
  compileFault,
  decideFault,
  FAULT_ABORT_BODY,
  faultFlags,
  httpToGrpcStatus,
  injectDelay,
  isGrpcRequest,
} from "../../gateway/policy/fault.ts";
import { corpusPath } from "../helpers/corpus.ts";

/** A `random` that returns the given values in turn and records how often it was called. */
function rolls(...values: number[]): (() => number) & { calls: number } {
  const f = Object.assign(() => {
    const v = values[f.calls % values.length];
    f.calls++;
    return v;
  }, { calls: 0 });
  return f;
}

/** The `fault` of each http rule of the VirtualServices in a corpus file, validated by the loader. */
function corpusFaults(relative: string): (HTTPFaultInjection | undefined)[] {
  const file = corpusPath(relative);
  const { config, diagnostics } = loadConfigTexts([{ file, text: Deno.readTextFileSync(file) }]);
  assert.deepEqual(diagnostics.filter((d) => d.severity === "error"), []);
  return config.virtualServices.flatMap((vs) => (vs.spec.http ?? []).map((h) => h.fault));
}

Deno.test("fault: bookinfo ratings-test-delay delays jason's requests 7s at 100%", () => {
  const [fault, none] = corpusFaults(
    "istio-istio/samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml",
  );
  assert.equal(none, undefined);
  for (const r of [0, 0.5, 0.999999]) assert.deepEqual(decideFault(fault, () => r), { delayMs: 7000 });
  assert.deepEqual(faultFlags(decideFault(fault, () => 0)), ["DI"]);
});

Deno.test("fault: bookinfo ratings-test-abort answers 500 `fault filter abort` with flag FI", async () => {
  const [fault] = corpusFaults(
    "istio-istio/samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml",
  );
  const decision = decideFault(fault, () => 0.999999);
  assert.deepEqual(decision, { abort: { status: 500 } });
  assert.deepEqual(faultFlags(decision), ["FI"]);
  const res = abortResponse(decision.abort!, { method: "GET", headers: new Headers() });
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("server"), "istio-envoy");
  assert.equal(res.headers.get("content-type"), "text/plain");
  assert.equal(await res.text(), FAULT_ABORT_BODY);
});

Deno.test("fault: bookinfo details abort with the non-standard status 555", async () => {
  const [fault] = corpusFaults("istio-istio/samples/bookinfo/networking/fault-injection-details-v1.yaml");
  const decision = decideFault(fault, Math.random);
  assert.deepEqual(decision, { abort: { status: 555 } });
  const res = abortResponse(decision.abort!, { method: "GET", headers: new Headers() });
  assert.equal(res.status, 555);
  assert.equal(await res.text(), "fault filter abort");
});

Deno.test("fault: an absent percentage affects no request (abort and delay)", () => {
  const random = rolls(0);
  assert.deepEqual(decideFault({ abort: { httpStatus: 503 } }, random), {});
  assert.deepEqual(decideFault({ delay: { fixedDelay: "1s" } }, random), {});
  assert.deepEqual(decideFault({ delay: { fixedDelay: "1s" }, abort: { httpStatus: 503 } }, random), {});
  assert.equal(decideFault(undefined, random), decideFault(undefined, random));
});

Deno.test("fault: percentage.value is a 0-100 double, per million like istiod", () => {
  const half: HTTPFaultInjection = { abort: { httpStatus: 503, percentage: { value: 50 } } };
  assert.deepEqual(decideFault(half, () => 0.499999), { abort: { status: 503 } });
  assert.deepEqual(decideFault(half, () => 0.5), {});
  // 0.0001% = 1 per million: only the lowest roll hits.
  const tiny: HTTPFaultInjection = { abort: { httpStatus: 503, percentage: { value: 0.0001 } } };
  assert.deepEqual(decideFault(tiny, () => 0), { abort: { status: 503 } });
  assert.deepEqual(decideFault(tiny, () => 0.000001), {});
  // 0 disables; 100 always hits.
  assert.deepEqual(decideFault({ abort: { httpStatus: 503, percentage: { value: 0 } } }, () => 0), {});
  assert.deepEqual(
    decideFault({ abort: { httpStatus: 503, percentage: { value: 100 } } }, () => 0.9999999),
    { abort: { status: 503 } },
  );
  // A fractional value is truncated to the millionth, as `uint32(value * 10000)`.
  const f = compileFault({ delay: { fixedDelay: "1s", percentage: { value: 12.34567891 } } })!;
  assert.equal(f.delay!.perMillion, 123456);
});

Deno.test("fault: the legacy integer delay.percent applies when percentage is absent", () => {
  const legacy: HTTPFaultInjection = { delay: { fixedDelay: "2s", percent: 30 } };
  assert.deepEqual(decideFault(legacy, () => 0.29), { delayMs: 2000 });
  assert.deepEqual(decideFault(legacy, () => 0.3), {});
  // percentage wins over percent.
  const both: HTTPFaultInjection = { delay: { fixedDelay: "2s", percent: 100, percentage: { value: 0 } } };
  assert.deepEqual(decideFault(both, () => 0), {});
});

Deno.test("fault: delay and abort roll independently, delay first", () => {
  const fault: HTTPFaultInjection = {
    delay: { fixedDelay: "5s", percentage: { value: 50 } },
    abort: { httpStatus: 503, percentage: { value: 50 } },
  };
  const both = rolls(0.1, 0.1);
  assert.deepEqual(decideFault(fault, both), { delayMs: 5000, abort: { status: 503 } });
  assert.equal(both.calls, 2);
  assert.deepEqual(faultFlags(decideFault(fault, rolls(0.1, 0.1))), ["DI", "FI"]);
  assert.deepEqual(decideFault(fault, rolls(0.9, 0.1)), { abort: { status: 503 } });
  assert.deepEqual(decideFault(fault, rolls(0.1, 0.9)), { delayMs: 5000 });
  assert.deepEqual(decideFault(fault, rolls(0.9, 0.9)), {});
  assert.deepEqual(faultFlags({}), []);
});

Deno.test("fault: fixedDelay is truncated to milliseconds; unsupported kinds inject nothing", () => {
  assert.deepEqual(decideFault({ delay: { fixedDelay: "1.5ms", percentage: { value: 100 } } }), {
    delayMs: 1,
  });
  assert.deepEqual(decideFault({ delay: { fixedDelay: "1m30s", percentage: { value: 100 } } }), {
    delayMs: 90_000,
  });
  assert.equal(compileFault({ delay: { exponentialDelay: "1s", percentage: { value: 100 } } }), undefined);
  assert.equal(compileFault({ abort: { http2Error: "x", percentage: { value: 100 } } }), undefined);
  assert.equal(compileFault({ abort: { percentage: { value: 100 } } }), undefined);
  // Envoy only takes [200, 600): istiod lets 600 through, Envoy rejects it.
  assert.equal(compileFault({ abort: { httpStatus: 600, percentage: { value: 100 } } }), undefined);
  assert.equal(compileFault({}), undefined);
});

Deno.test("fault: gRPC abort answers 200 trailers-only with grpc-status for gRPC requests", async () => {
  const decision = decideFault({ abort: { grpcStatus: "UNAVAILABLE", percentage: { value: 100 } } });
  assert.deepEqual(decision, { abort: { grpcStatus: 14 } });
  const grpc = { method: "POST", headers: new Headers({ "content-type": "application/grpc" }) };
  const res = abortResponse(decision.abort!, grpc);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/grpc");
  assert.equal(res.headers.get("grpc-status"), "14");
  assert.equal(res.headers.get("grpc-message"), "fault filter abort");
  assert.equal(res.headers.get("server"), "istio-envoy");
  assert.equal(await res.text(), "");
  assert.deepEqual(decideFault({ abort: { grpcStatus: "OK", percentage: { value: 100 } } }), {
    abort: { grpcStatus: 0 },
  });
  assert.deepEqual(decideFault({ abort: { grpcStatus: "UNAUTHENTICATED", percentage: { value: 100 } } }), {
    abort: { grpcStatus: 16 },
  });
});

Deno.test("fault: gRPC abort of a non-gRPC request is a plain 200; HTTP abort of a gRPC request maps the code", async () => {
  const plain = abortResponse({ grpcStatus: 14 }, { method: "GET", headers: new Headers() });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("grpc-status"), null);
  assert.equal(await plain.text(), "fault filter abort");
  const grpc = { method: "POST", headers: new Headers({ "content-type": "application/grpc+proto" }) };
  const mapped = abortResponse({ status: 503 }, grpc);
  assert.equal(mapped.status, 200);
  assert.equal(mapped.headers.get("grpc-status"), "14");
  await mapped.body?.cancel();
  assert.equal(httpToGrpcStatus(400), 13);
  assert.equal(httpToGrpcStatus(401), 16);
  assert.equal(httpToGrpcStatus(403), 7);
  assert.equal(httpToGrpcStatus(404), 12);
  assert.equal(httpToGrpcStatus(429), 14);
  assert.equal(httpToGrpcStatus(500), 2);
});

Deno.test("fault: gRPC detection follows Envoy (grpc-web is not gRPC)", () => {
  const ct = (v: string) => new Headers({ "content-type": v });
  assert.equal(isGrpcRequest(ct("application/grpc")), true);
  assert.equal(isGrpcRequest(ct("application/grpc+json")), true);
  assert.equal(isGrpcRequest(ct("application/grpc-web")), false);
  assert.equal(isGrpcRequest(ct("application/json")), false);
  assert.equal(isGrpcRequest(new Headers()), false);
});

Deno.test("fault: HEAD aborts carry no body", async () => {
  const res = abortResponse({ status: 503 }, { method: "HEAD", headers: new Headers() });
  assert.equal(res.status, 503);
  assert.equal(res.body, null);
  const grpc = abortResponse({ grpcStatus: 5 }, {
    method: "HEAD",
    headers: new Headers({ "content-type": "application/grpc" }),
  });
  assert.equal(grpc.headers.get("grpc-message"), null);
  assert.equal(await grpc.text(), "");
});

Deno.test("fault: injectDelay waits, and stops early when the client goes away", async () => {
  const t0 = performance.now();
  assert.equal(await injectDelay(30), true);
  assert.ok(performance.now() - t0 >= 25);
  const ac = new AbortController();
  const t1 = performance.now();
  const waiting = injectDelay(10_000, ac.signal);
  setTimeout(() => ac.abort(), 10);
  assert.equal(await waiting, false);
  assert.ok(performance.now() - t1 < 1000);
  assert.equal(await injectDelay(10_000, AbortSignal.abort()), false);
});

Deno.test("fault: decideFault gives the same answer for the same roll (cached compile)", () => {
  const fault: HTTPFaultInjection = { abort: { httpStatus: 503, percentage: { value: 100 } } };
  const a = decideFault(fault, () => 0);
  const b = decideFault(fault, () => 0);
  assert.deepEqual(a, b);
});
