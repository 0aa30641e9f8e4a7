/**
 * HTTP/1.1 response parsing without regular expressions: finding the end of a response head in a byte buffer
 * that fills up piece by piece, parsing the status line and field lines (names, values, duplicates and order
 * kept as received), choosing the body framing (RFC 9112 §6.3) and decoding chunked bodies incrementally,
 * with chunk extensions skipped and trailers collected.
 * @module
 */

/** Largest response head accepted (Envoy's default `max_response_headers_kb` is 60). */
export const MAX_HEAD_BYTES = 64 * 1024;

/** The response has no body: HEAD request, 1xx, 204, 304, or `content-length: 0`. */
export const BODY_NONE = 0;
/** The body is `content-length` bytes long. */
export const BODY_LENGTH = 1;
/** The body is chunked. */
export const BODY_CHUNKED = 2;
/** The body runs until the upstream closes the connection (also after a 101 upgrade). */
export const BODY_UNTIL_CLOSE = 3;

/** A malformed response: Envoy's `protocol_error`. */
export class ProtocolError extends Error {
  /** Creates the error with a message saying what was malformed. */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** A parsed response head. */
export class ResponseHead {
  /** Minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number = 1;
  /** Status code (three digits). */
  status: number = 0;
  /** Reason phrase, possibly empty. */
  reason: string = "";
  /**
   * Field lines in arrival order as `[name, value, name, value, …]`: names keep their case, values are trimmed
   * of surrounding whitespace, duplicates stay separate lines.
   */
  rawHeaders: string[] = [];
  /** Parsed `content-length`, or -1 when absent. */
  contentLength: number = -1;
  /** `transfer-encoding` is present. */
  hasTransferEncoding: boolean = false;
  /** `chunked` is the final transfer coding. */
  chunked: boolean = false;
  /** The connection may carry another request after this response (HTTP version and `connection` tokens). */
  keepAlive: boolean = true;
}

/**
 * Returns the index just past the blank line that ends a head in `buf[from, end)`, or -1 when it has not
 * arrived yet. Lines may end in CRLF or a bare LF. To resume after more bytes arrive, pass
 * `from = max(headStart, previousEnd - 3)`.
 */
export function findHeadEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] !== 10) continue;
    const next = i + 1;
    if (next < end) {
      const c = buf[next];
      if (c === 10) return next + 1;
      if (c === 13) {
        if (next + 1 >= end) return -1;
        if (buf[next + 1] === 10) return next + 2;
      }
    }
  }
  return -1;
}

const ASCII = new TextDecoder();

/** Decodes `buf[start, end)` one byte per character (latin1), as HTTP field values are octets. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let high = 0;
  for (let i = start; i < end; i++) high |= buf[i];
  if (high < 0x80) return ASCII.decode(buf.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i += 4096) {
    const part = buf.subarray(i, Math.min(end, i + 4096));
    s += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return s;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Parses the head in `buf[start, end)`, where `end` comes from {@linkcode findHeadEnd}.
 * @throws {ProtocolError} on a malformed status line or field line, or conflicting framing fields.
 */
export function parseResponseHead(buf: Uint8Array, start: number, end: number): ResponseHead {
  const s = latin1(buf, start, end);
  const head = new ResponseHead();
  const nl = s.indexOf("\n");
  const lineEnd = nl > 0 && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  // "HTTP/1.x SSS[ reason]"
  if (
    lineEnd < 12 || s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 84 || s.charCodeAt(2) !== 84 ||
    s.charCodeAt(3) !== 80 || s.charCodeAt(4) !== 47 || s.charCodeAt(5) !== 49 || s.charCodeAt(6) !== 46 ||
    s.charCodeAt(8) !== 32
  ) {
    throw new ProtocolError("Malformed response status line");
  }
  const minor = s.charCodeAt(7) - 48;
  const d1 = s.charCodeAt(9) - 48, d2 = s.charCodeAt(10) - 48, d3 = s.charCodeAt(11) - 48;
  if (
    minor < 0 || minor > 9 || d1 < 1 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9 ||
    (lineEnd > 12 && s.charCodeAt(12) !== 32)
  ) {
    throw new ProtocolError("Malformed response status line");
  }
  head.minor = minor;
  head.status = d1 * 100 + d2 * 10 + d3;
  head.reason = lineEnd > 13 ? s.slice(13, lineEnd) : "";
  parseFieldLines(s, nl + 1, head);
  return head;
}

/** Parses field lines from `s[pos…]` up to the blank line into `head`, and derives framing and keep-alive. */
function parseFieldLines(s: string, pos: number, head: ResponseHead): void {
  const raw = head.rawHeaders;
  let sawClose = false, sawKeepAlive = false;
  for (;;) {
    const nl = s.indexOf("\n", pos);
    if (nl < 0) throw new ProtocolError("Unterminated response head");
    const lineEnd = nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (lineEnd === pos) break;
    if (isWs(s.charCodeAt(pos))) throw new ProtocolError("Obsolete line folding in response header");
    const colon = s.indexOf(":", pos);
    if (colon < 0 || colon > lineEnd) throw new ProtocolError("Response header line without a colon");
    if (colon === pos || isWs(s.charCodeAt(colon - 1))) {
      throw new ProtocolError("Malformed response header name");
    }
    let vs = colon + 1, ve = lineEnd;
    while (vs < ve && isWs(s.charCodeAt(vs))) vs++;
    while (ve > vs && isWs(s.charCodeAt(ve - 1))) ve--;
    const name = s.slice(pos, colon);
    const value = s.slice(vs, ve);
    raw.push(name, value);
    const len = colon - pos;
    if (len === 14 && name.toLowerCase() === "content-length") {
      const n = parseContentLength(value);
      if (head.contentLength >= 0 && head.contentLength !== n) {
        throw new ProtocolError("Conflicting content-length values");
      }
      head.contentLength = n;
    } else if (len === 17 && name.toLowerCase() === "transfer-encoding") {
      head.hasTransferEncoding = true;
      const v = value.toLowerCase();
      const comma = v.lastIndexOf(",");
      head.chunked = (comma < 0 ? v : v.slice(comma + 1).trim()) === "chunked";
    } else if (len === 10 && name.toLowerCase() === "connection") {
      for (const token of value.toLowerCase().split(",")) {
        const t = token.trim();
        if (t === "close") sawClose = true;
        else if (t === "keep-alive") sawKeepAlive = true;
      }
    }
    pos = nl + 1;
  }
  // Both framings at once is a smuggling signal: honour Transfer-Encoding, never reuse the connection.
  head.keepAlive = !sawClose && (head.minor >= 1 || sawKeepAlive) &&
    !(head.hasTransferEncoding && head.contentLength >= 0);
}

/** Parses a `content-length` value; a list of identical values counts as one. */
function parseContentLength(value: string): number {
  const len = value.length;
  if (len > 0 && len <= 15) {
    let n = 0;
    for (let i = 0; i < len; i++) {
      const c = value.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return parseContentLengthList(value);
      n = n * 10 + c;
    }
    return n;
  }
  return parseContentLengthList(value);
}

function parseContentLengthList(value: string): number {
  let result = -1;
  for (const part of value.split(",")) {
    const t = part.trim();
    if (t.length === 0 || t.length > 15) throw new ProtocolError("Malformed content-length");
    let n = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i) - 48;
      if (c < 0 || c > 9) throw new ProtocolError("Malformed content-length");
      n = n * 10 + c;
    }
    if (result >= 0 && result !== n) throw new ProtocolError("Conflicting content-length values");
    result = n;
  }
  return result;
}

/**
 * Chooses the body framing of a final response (RFC 9112 §6.3). A 101 switches to raw bytes until close;
 * other 1xx are interim and handled by the caller.
 */
export function responseFraming(head: ResponseHead, requestMethod: string): number {
  const status = head.status;
  if (status === 101) return BODY_UNTIL_CLOSE;
  if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) return BODY_NONE;
  if (head.hasTransferEncoding) return head.chunked ? BODY_CHUNKED : BODY_UNTIL_CLOSE;
  if (head.contentLength === 0) return BODY_NONE;
  if (head.contentLength > 0) return BODY_LENGTH;
  return BODY_UNTIL_CLOSE;
}

const S_SIZE = 0;
const S_SIZE_MORE = 1;
const S_EXT = 2;
const S_SIZE_LF = 3;
const S_DATA = 4;
const S_DATA_CR = 5;
const S_DATA_LF = 6;
const S_TRAILER_START = 7;
const S_TRAILER_LINE = 8;
const S_END_LF = 9;
const S_DONE = 10;

const MAX_EXTENSION_BYTES = 16 * 1024;

/**
 * Incremental decoder for a chunked body. Feed it whatever bytes have arrived with {@linkcode decode}; it
 * records where the data bytes are in {@linkcode spans} and keeps its place across calls, so the input may be
 * split anywhere.
 */
export class ChunkedDecoder {
  /** Data found by the last {@linkcode decode} call, as `[start, end, start, end, …]` offsets into its buffer. */
  readonly spans: number[] = [];
  /** Data bytes left in the current chunk. */
  remaining = 0;
  /** Trailer field lines as `[name, value, …]`, once the body is done. */
  trailers: string[] = [];
  #state = S_SIZE;
  #size = 0;
  #digits = 0;
  #extBytes = 0;
  #trailerText = "";

  /** The terminating chunk and trailer section have been read. */
  get done(): boolean {
    return this.#state === S_DONE;
  }

  /** In the middle of chunk data: the next {@linkcode remaining} bytes are body bytes. */
  get inData(): boolean {
    return this.#state === S_DATA;
  }

  /** Accounts for `n` data bytes the caller read straight out of the socket (at most {@linkcode remaining}). */
  consumeData(n: number): void {
    this.remaining -= n;
    if (this.remaining === 0) this.#state = S_DATA_CR;
  }

  /**
   * Decodes `buf[start, end)`, fills {@linkcode spans} and returns the index where it stopped: `end`, or the
   * index just past the body when it is done.
   * @throws {ProtocolError} on malformed chunk framing.
   */
  decode(buf: Uint8Array, start: number, end: number): number {
    const spans = this.spans;
    spans.length = 0;
    let i = start;
    while (i < end) {
      switch (this.#state) {
        case S_SIZE:
        case S_SIZE_MORE: {
          const c = buf[i];
          const h = hexValue(c);
          if (h >= 0) {
            if (++this.#digits > 13) throw new ProtocolError("Chunk size out of range");
            this.#size = this.#size * 16 + h;
            this.#state = S_SIZE_MORE;
            i++;
            break;
          }
          if (this.#state === S_SIZE) throw new ProtocolError("Malformed chunk size");
          if (c === 13) this.#state = S_SIZE_LF;
          else if (c === 10) this.#sizeLineDone();
          else if (c === 59 || isWs(c)) this.#state = S_EXT;
          else throw new ProtocolError("Malformed chunk size");
          i++;
          break;
        }
        case S_EXT: {
          const lf = buf.indexOf(10, i);
          const stop = lf < 0 || lf >= end ? end : lf;
          this.#extBytes += stop - i;
          if (this.#extBytes > MAX_EXTENSION_BYTES) throw new ProtocolError("Chunk extension too long");
          i = stop;
          if (stop < end) {
            this.#sizeLineDone();
            i++;
          }
          break;
        }
        case S_SIZE_LF:
          if (buf[i] !== 10) throw new ProtocolError("Malformed chunk size line");
          this.#sizeLineDone();
          i++;
          break;
        case S_DATA: {
          const n = Math.min(this.remaining, end - i);
          spans.push(i, i + n);
          i += n;
          this.consumeData(n);
          break;
        }
        case S_DATA_CR: {
          const c = buf[i++];
          if (c === 13) this.#state = S_DATA_LF;
          else if (c === 10) this.#state = S_SIZE;
          else throw new ProtocolError("Missing CRLF after chunk data");
          break;
        }
        case S_DATA_LF:
          if (buf[i++] !== 10) throw new ProtocolError("Missing CRLF after chunk data");
          this.#state = S_SIZE;
          break;
        case S_TRAILER_START: {
          const c = buf[i];
          if (c === 13) {
            this.#state = S_END_LF;
            i++;
          } else if (c === 10) {
            i++;
            this.#finish();
            return i;
          } else {
            this.#state = S_TRAILER_LINE;
          }
          break;
        }
        case S_TRAILER_LINE: {
          const lf = buf.indexOf(10, i);
          const stop = lf < 0 || lf >= end ? end : lf + 1;
          this.#trailerText += latin1(buf, i, stop);
          if (this.#trailerText.length > MAX_HEAD_BYTES) throw new ProtocolError("Trailer section too large");
          i = stop;
          if (lf >= 0 && lf < end) this.#state = S_TRAILER_START;
          break;
        }
        case S_END_LF:
          if (buf[i] !== 10) throw new ProtocolError("Malformed end of chunked body");
          i++;
          this.#finish();
          return i;
        default:
          return i;
      }
    }
    return i;
  }

  #sizeLineDone(): void {
    const size = this.#size;
    this.#size = 0;
    this.#digits = 0;
    this.#extBytes = 0;
    if (size === 0) {
      this.#state = S_TRAILER_START;
    } else {
      this.remaining = size;
      this.#state = S_DATA;
    }
  }

  #finish(): void {
    this.#state = S_DONE;
    if (this.#trailerText === "") return;
    const fields = new ResponseHead();
    parseFieldLines(this.#trailerText + "\r\n", 0, fields);
    this.trailers = fields.rawHeaders;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
