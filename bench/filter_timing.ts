/**
 * What the filter benchmarks share: a typical request's and response's header maps (10 and 5 fields) and the
 * best-of-rounds timing loop.
 * @module
 */
import { HeaderList } from "../gateway/proxy/header_list.ts";
import { requestHeaderMap, responseHeaderMap } from "../wasm/mod.ts";

/** Typical request headers at a gateway, including ones the header-rewriting filters edit. */
export const REQUEST_FIELDS: readonly string[] = [
  ["host", "bookinfo.example.com"],
  ["user-agent", "curl/8.5.0"],
  ["accept", "*/*"],
  ["accept-encoding", "gzip, deflate"],
  ["x-forwarded-for", "192.0.2.10"],
  ["x-forwarded-proto", "http"],
  ["x-request-id", "5b1a1c4e-3f0e-4d59-9a53-0e5d3a3c7a10"],
  ["x-replace-me", "old"],
  ["x-remove-me", "gone"],
  ["cookie", "session=abc123"],
].flat();

/** Typical upstream response headers. */
export const RESPONSE_FIELDS: readonly string[] = [
  ["content-type", "text/plain"],
  ["content-length", "100"],
  ["server", "upstream"],
  ["x-powered-by", "php"],
  ["date", "Sun, 22 Nov 2026 03:31:45 GMT"],
].flat();

/** The request line of {@linkcode headerMaps}. */
export const LINE = {
  method: "GET",
  path: "/productpage?u=1",
  authority: "bookinfo.example.com",
  scheme: "http",
};

/** Fresh request and response header maps, as the filter chain builds them. */
export function headerMaps(): [HeaderList, HeaderList] {
  return [
    requestHeaderMap(LINE, new HeaderList(REQUEST_FIELDS.slice())),
    responseHeaderMap(200, new HeaderList(RESPONSE_FIELDS.slice())),
  ];
}

/** Best-of-`rounds` nanoseconds per call of `run` over `requests` calls, after a warm-up of a tenth. */
export function bestOf(run: () => void, requests: number, rounds = 5): number {
  for (let i = 0; i < requests / 10; i++) run();
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < requests; i++) run();
    best = Math.min(best, ((performance.now() - start) * 1e6) / requests);
  }
  return best;
}
