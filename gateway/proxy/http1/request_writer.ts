/**
 * HTTP/1.1 request serialization: the request head encoded into one buffer, and the framing of the body
 * (`content-length` passed through, chunked encoding when the length is unknown, nothing when there is no
 * body). No header is added except `transfer-encoding: chunked` when a body of unknown length is streamed.
 * @module
 */
import type { HeaderList } from "../header_list.ts";
import { ProtocolError } from "./response_parser.ts";

/** No request body on the wire. */
export const REQUEST_BODY_NONE = 0;
/** The body is sent as is and must be exactly `content-length` bytes. */
export const REQUEST_BODY_LENGTH = 1;
/** The body is sent with chunked transfer coding. */
export const REQUEST_BODY_CHUNKED = 2;

/** Where {@linkcode encodeRequestHead} reports the framing it chose. */
export interface RequestFraming {
  /** One of `REQUEST_BODY_NONE`, `REQUEST_BODY_LENGTH`, `REQUEST_BODY_CHUNKED`. */
  framing: number;
  /** The body length for `REQUEST_BODY_LENGTH`. */
  contentLength: number;
  /** The request asked for `connection: close`. */
  closeAfter: boolean;
}

const ENCODER = new TextEncoder();

/**
 * Serializes a request head (`Host` first when present, then the other fields in order) into `scratch` when it
 * fits, or into a new buffer, and records the body framing in `out`.
 * @throws {ProtocolError} when the method or target is not valid on the wire, a header is not a byte string,
 * or `content-length` is malformed or promises bytes without a body.
 */
export function encodeRequestHead(
  method: string,
  path: string,
  headers: HeaderList,
  hasBody: boolean,
  out: RequestFraming,
  scratch: Uint8Array,
): Uint8Array {
  checkRequestLine(method, path);
  const f = headers.fields;
  let host = "";
  let fields = "";
  let length: string | null = null;
  let chunked = false;
  let closeAfter = false;
  for (let i = 0; i < f.length; i += 2) {
    const name = f[i];
    const value = f[i + 1];
    switch (name.length) {
      case 4:
        if (name === "host") {
          host = `host: ${value}\r\n`;
          continue;
        }
        break;
      case 10:
        if (name === "connection" && value.toLowerCase().includes("close")) closeAfter = true;
        break;
      case 14:
        if (name === "content-length") {
          length = length === null ? value : `${length}, ${value}`;
          continue;
        }
        break;
      case 17:
        if (name === "transfer-encoding") chunked = true;
        break;
    }
    fields += `${name}: ${value}\r\n`;
  }
  let s = `${method} ${path} HTTP/1.1\r\n${host}${fields}`;
  out.closeAfter = closeAfter;
  out.contentLength = 0;
  if (chunked) {
    // A sender must not send both; the chunked framing wins and `content-length` is dropped.
    out.framing = REQUEST_BODY_CHUNKED;
  } else if (length !== null) {
    const n = parseLength(length);
    if (n > 0 && !hasBody) throw new ProtocolError(`Request content-length is ${n} but there is no body`);
    out.framing = n > 0 ? REQUEST_BODY_LENGTH : REQUEST_BODY_NONE;
    out.contentLength = n;
    s += `content-length: ${n}\r\n`;
  } else if (hasBody) {
    out.framing = REQUEST_BODY_CHUNKED;
    s += "transfer-encoding: chunked\r\n";
  } else {
    out.framing = REQUEST_BODY_NONE;
  }
  s += "\r\n";
  return encodeLatin1(s, scratch);
}

/** Encodes `s` (one byte per character) into `scratch` when it fits; ASCII takes the native path. */
export function encodeLatin1(s: string, scratch: Uint8Array): Uint8Array {
  const r = ENCODER.encodeInto(s, scratch);
  if (r.read === s.length && r.written === r.read) return scratch.subarray(0, r.written);
  if (r.written === r.read) {
    const big = ENCODER.encode(s);
    if (big.length === s.length) return big;
  }
  const bytes = s.length <= scratch.length ? scratch.subarray(0, s.length) : new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new ProtocolError("Request head is not a byte string");
    bytes[i] = c;
  }
  return bytes;
}

/** Rejects a method that is not a token and a target with whitespace or control characters. */
function checkRequestLine(method: string, path: string): void {
  if (method.length === 0) throw new ProtocolError("Empty request method");
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 58 || c === 47 || c === 34 || c === 40 || c === 41) {
      throw new ProtocolError("Invalid request method");
    }
  }
  if (path.length === 0) throw new ProtocolError("Empty request target");
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 32 || c === 127 || c > 0xff) throw new ProtocolError("Invalid character in request target");
  }
}

function parseLength(value: string): number {
  let result = -1;
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t.length === 0 || t.length > 15) throw new ProtocolError("Malformed request content-length");
    let n = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i) - 48;
      if (c < 0 || c > 9) throw new ProtocolError("Malformed request content-length");
      n = n * 10 + c;
    }
    if (result >= 0 && result !== n) throw new ProtocolError("Conflicting request content-length values");
    result = n;
  }
  return result;
}

const CRLF = new Uint8Array([13, 10]);
const LAST_CHUNK = ENCODER.encode("0\r\n\r\n");
const CRLF_LAST_CHUNK = ENCODER.encode("\r\n0\r\n\r\n");
/** Chunks up to this size are copied into one buffer with their framing: one write instead of two. */
const COALESCE_MAX = 16 * 1024;

/**
 * Frames a request body with chunked transfer coding. Large chunks are written without copying: the CRLF
 * that ends a chunk's data goes out in front of the next chunk's size line.
 */
export class ChunkedEncoder {
  /** Whether the last {@linkcode frame} result already holds the chunk's data. */
  includesData = false;
  #pendingCrlf = false;

  /**
   * The bytes to write before `data` (its size line, after the previous chunk's CRLF when pending); for a small
   * chunk, the whole frame including `data` ({@linkcode includesData}). `data` must not be empty.
   */
  frame(data: Uint8Array): Uint8Array {
    const size = data.length.toString(16);
    const lead = this.#pendingCrlf ? 2 : 0;
    const prefixLen = lead + size.length + 2;
    if (data.length <= COALESCE_MAX) {
      const buf = new Uint8Array(prefixLen + data.length + 2);
      this.#writePrefix(buf, lead, size);
      buf.set(data, prefixLen);
      buf[prefixLen + data.length] = 13;
      buf[prefixLen + data.length + 1] = 10;
      this.#pendingCrlf = false;
      this.includesData = true;
      return buf;
    }
    const buf = new Uint8Array(prefixLen);
    this.#writePrefix(buf, lead, size);
    this.#pendingCrlf = true;
    this.includesData = false;
    return buf;
  }

  /** The last chunk (and the pending CRLF), with an empty trailer section. */
  end(): Uint8Array {
    return this.#pendingCrlf ? CRLF_LAST_CHUNK : LAST_CHUNK;
  }

  #writePrefix(buf: Uint8Array, lead: number, size: string): void {
    if (lead) buf.set(CRLF, 0);
    for (let i = 0; i < size.length; i++) buf[lead + i] = size.charCodeAt(i);
    buf[lead + size.length] = 13;
    buf[lead + size.length + 1] = 10;
  }
}
