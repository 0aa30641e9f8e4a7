// The ABI's enumerations, with names.

/** What a host call returned (`proxy_status_t`). */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  InternalFailure = 10,
  Unimplemented = 12,
}

/**
 * What a stream callback tells the host. `Continue` lets the request or response go on; `Pause` stops it
 * (headers: until `resumeRequest()`/`resumeResponse()` or a local reply; body: the host keeps the data and
 * calls again with the next chunk, until the end of the body).
 */
export enum Action {
  Continue = 0,
  Pause = 1,
}

/** Header maps. */
export enum MapType {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}

/** Buffers. */
export enum BufferType {
  RequestBody = 0,
  ResponseBody = 1,
  HttpCallResponseBody = 4,
  VmConfiguration = 6,
  PluginConfiguration = 7,
}

/** Stream directions for continue/close. */
export enum StreamType {
  Request = 0,
  Response = 1,
}

/** Log levels. */
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}
