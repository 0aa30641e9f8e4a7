/**
 * One HTTP/1.1 connection to an upstream endpoint: the socket, a read buffer that response heads are parsed
 * from, full writes, and an idle watch that notices when the upstream closes the connection while it sits
 * in the pool.
 * @module
 */
import { MAX_HEAD_BYTES } from "./response_parser.ts";

/** The parts of `Deno.TcpConn` a connection uses (tests may pass a fake). */
export interface Socket {
  /** Reads into `p`; resolves to the byte count, or null at EOF. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes from `p`; resolves to the byte count written (possibly fewer than `p.length`). */
  write(p: Uint8Array): Promise<number>;
  /** Closes the socket; pending operations fail. */
  close(): void;
  /** Lets pending reads keep the process alive. */
  ref(): void;
  /** Stops pending reads from keeping the process alive. */
  unref(): void;
}

/** Told when an idle connection turned out to be closed or broken. */
export interface IdleOwner {
  /** Drops `conn` from the idle set (it is already closed). */
  discard(conn: Http1Connection): void;
}

const INITIAL_BUFFER = 16 * 1024;

/** A keep-alive HTTP/1.1 connection with its read buffer; one exchange at a time. */
export class Http1Connection {
  /** The socket. */
  readonly socket: Socket;
  /** The endpoint, `address:port`. */
  readonly key: string;
  /** Read buffer; unread bytes are `buf[start, end)`. */
  buf: Uint8Array = new Uint8Array(INITIAL_BUFFER);
  /** Start of the unread bytes in {@linkcode buf}. */
  start = 0;
  /** End of the unread bytes in {@linkcode buf}. */
  end = 0;
  /** Scratch space for encoding request heads. */
  readonly scratch: Uint8Array = new Uint8Array(4096);
  /** Exchanges completed on this connection. */
  exchanges = 0;
  /** When it went idle (`Date.now()`), while in the pool. */
  idleSince = 0;
  /** How long this connection may stay parked; undefined: the pool's default. */
  idleTimeoutMs: number | undefined = undefined;
  /** Sitting in the pool. */
  idle = false;
  /** Closed, never to be used again. */
  closed = false;
  #idleRead: Promise<number | null> | null = null;
  #owner: IdleOwner | null = null;
  readonly #onIdleRead: (n: number | null) => void;
  readonly #onIdleError: () => void;

  /** Wraps a connected socket to the endpoint `key` (`address:port`). */
  constructor(socket: Socket, key: string) {
    this.socket = socket;
    this.key = key;
    this.#onIdleError = () => {
      // Any outcome of a read while idle (EOF, unsolicited bytes, an error) makes the connection unusable.
      if (!this.idle) return;
      this.idle = false;
      this.#idleRead = null;
      this.close();
      this.#owner?.discard(this);
    };
    this.#onIdleRead = (n) => {
      if (n === 0 && this.idle) this.#watch();
      else this.#onIdleError();
    };
  }

  /** Bytes buffered and not consumed yet. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * Reads more bytes into the buffer after {@linkcode end}, compacting or growing it (up to the head limit)
   * when full. Resolves to the number of bytes added, or null at EOF.
   * @throws {RangeError} when the buffer already holds {@linkcode MAX_HEAD_BYTES} unread bytes.
   */
  fill(): Promise<number | null> {
    const idleRead = this.#idleRead;
    if (idleRead !== null) {
      // The read started when the connection went idle landed (or will land) at the start of the buffer.
      this.#idleRead = null;
      return idleRead.then(this.#advance);
    }
    if (this.start === this.end) {
      this.start = this.end = 0;
    } else if (this.end === this.buf.length) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      } else if (this.buf.length < MAX_HEAD_BYTES) {
        const bigger = new Uint8Array(Math.min(this.buf.length * 2, MAX_HEAD_BYTES));
        bigger.set(this.buf);
        this.buf = bigger;
      } else {
        return Promise.reject(new RangeError("Read buffer full"));
      }
    }
    const target = this.end === 0 ? this.buf : this.buf.subarray(this.end);
    return this.socket.read(target).then(this.#advance);
  }

  readonly #advance = (n: number | null): number | null => {
    if (n !== null) this.end += n;
    return n;
  };

  /** Writes all of `data`. */
  async writeAll(data: Uint8Array): Promise<void> {
    let off = await this.socket.write(data);
    while (off < data.length) off += await this.socket.write(data.subarray(off));
  }

  /**
   * Parks the connection: starts a read that only settles if the upstream closes the connection or sends
   * bytes nobody asked for, and stops it from keeping the process alive. The buffer must be empty.
   */
  park(owner: IdleOwner, now: number): void {
    this.idle = true;
    this.idleSince = now;
    this.#owner = owner;
    this.start = this.end = 0;
    this.#watch();
    this.socket.unref();
  }

  #watch(): void {
    const read = this.socket.read(this.buf);
    this.#idleRead = read;
    read.then(this.#onIdleRead, this.#onIdleError);
  }

  /** Takes the connection out of the pool for an exchange. */
  activate(): void {
    this.idle = false;
    this.socket.ref();
  }

  /** Whether a pending idle read has to be awaited by the next {@linkcode fill}. */
  get hasIdleRead(): boolean {
    return this.#idleRead !== null;
  }

  /** Closes the socket; pending reads and writes fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle = false;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
