/**
 * `proxy_status_t`: what every Proxy-Wasm host function returns.
 * @module
 */

/** Status codes of the Proxy-Wasm ABI (0.1.0 to 0.2.1 share them). */
export const Status = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  InternalFailure: 10,
  Unimplemented: 12,
} as const;

/** One of {@linkcode Status}. */
export type Status = typeof Status[keyof typeof Status];
