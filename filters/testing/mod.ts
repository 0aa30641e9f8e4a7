/**
 * Unit-testing filters without a gateway: load a filter (its folder, a `.wasm`, or bytes) into the real
 * Proxy-Wasm host with a fake clock and HTTP calls the test answers, send it request and response parts, and
 * assert on what it did. See `filters/README.md`.
 * @module
 */
export { FakeClock } from "./fake_clock.ts";
export { FilterHost, type FilterHostOptions, FilterLoadError, type FilterSource } from "./filter_host.ts";
export { flush, HttpCall } from "./http_calls.ts";
export { type HeaderInit, type Outcome, type Reply, type StreamOptions, TestStream } from "./test_stream.ts";
export { LogLevel } from "../../wasm/mod.ts";
