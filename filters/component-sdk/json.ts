// The JSON reader for plugin configurations is the Proxy-Wasm SDK's (`../sdk/json.ts`): one implementation
// for both filter formats.
export { JsonKind, JsonValue, jsonError, parseJson } from "@portcullis/filter-sdk/json";
