// The Portcullis component filter SDK: write a filter for the portcullis:filter@0.1.0 WIT world
// (`wasm/wit/portcullis-filter.wit`) in AssemblyScript. `filters/build.ts` compiles it, embeds the WIT and
// makes the component with jco. See `filters/README.md`.
export { addHeader, addHeaderBytes, Direction, getHeader, getHeaderBytes, getHeaders, Header, LocalReply, removeHeader, removeHeaderBytes, sendReply, setHeader, setHeaderBytes } from "./http";
export { getProperty, getPropertyString, log, LogLevel, Metric, MetricType, SharedEntry, sharedGet, sharedSet } from "./host";
export { BodyAction, Filter, HeadersAction, registerFilter } from "./filter";
export { JsonKind, JsonValue, jsonError, parseJson } from "./json";
export { utf8 } from "./memory";
