// The Portcullis filter SDK: write a Proxy-Wasm HTTP filter in AssemblyScript. See README.md.
export { Action, BufferType, LogLevel, MapType, StreamType, WasmResult } from "./status";
export { HeaderPair, pairs } from "./memory";
export { HeaderMap } from "./headers";
export { Body } from "./body";
export { registerFilter, RootContext, RootFactory, StreamContext } from "./context";
export { HttpMessage, request, resetStream, response, resumeRequest, resumeResponse, sendLocalReply } from "./stream_control";
export { HttpCallResponse } from "./http_call";
export { SharedData, SharedQueue, SharedValue } from "./shared";
export { Counter, Gauge, Histogram } from "./metrics";
export { getProperty, getPropertyAt, getPropertyBool, getPropertyInt, getPropertyString, pluginName, setProperty } from "./properties";
export { log, logAt, logLevel } from "./log";
export { nowMillis, nowNanos } from "./time";
export { JsonKind, JsonValue, jsonError, parseJson } from "./json";
export { parseDurationMillis } from "./duration";
export { globMatches, StringMatcher } from "./string_match";
export { Cidr, parseIp } from "./cidr";
export { clientIp, stripPort } from "./client";
export { RequestKey, requestPath } from "./request_key";
