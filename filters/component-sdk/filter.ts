// A filter and what its hooks decide. Subclass `Filter`, override the hooks it needs, and register one
// instance with `registerFilter` at the top level of the module.
import { LocalReply } from "./http";
import { OUT, pin } from "./memory";

/** What a headers hook decides: go on, or answer with a local reply. */
export class HeadersAction {
  private constructor(readonly reply: LocalReply | null) {}

  /** Go on with the (possibly edited) headers. */
  static readonly CONTINUE: HeadersAction = new HeadersAction(null);

  /** Answer the client with `reply`. */
  static reply(reply: LocalReply): HeadersAction {
    return new HeadersAction(reply);
  }

  /** Writes the variant to the export return area. */
  lower(): usize {
    const reply = this.reply;
    if (reply === null) {
      store<u8>(OUT, 0);
    } else {
      store<u8>(OUT, 1);
      reply.lowerInto(OUT + 4);
    }
    return OUT;
  }
}

const CONTINUE: u8 = 0;
const REPLACE: u8 = 1;
const BUFFER: u8 = 2;
const REPLY: u8 = 3;

/** What a body hook decides. */
export class BodyAction {
  private constructor(readonly kind: u8, readonly data: ArrayBuffer | null, readonly reply: LocalReply | null) {}

  /** Pass on the body as given. */
  static readonly CONTINUE: BodyAction = new BodyAction(CONTINUE, null, null);
  /** Hold the body; the hook is called again with the next chunk appended. */
  static readonly BUFFER: BodyAction = new BodyAction(BUFFER, null, null);

  /** Pass on `data` instead of the body held so far. */
  static replace(data: ArrayBuffer): BodyAction {
    return new BodyAction(REPLACE, data, null);
  }

  /** Answer the client with `reply`. */
  static reply(reply: LocalReply): BodyAction {
    return new BodyAction(REPLY, null, reply);
  }

  /** Writes the variant to the export return area. */
  lower(): usize {
    store<u8>(OUT, this.kind);
    if (this.kind == REPLACE) {
      const data = this.data!;
      store<u32>(OUT + 4, <u32>pin(data));
      store<u32>(OUT + 8, data.byteLength);
    } else if (this.kind == REPLY) {
      this.reply!.lowerInto(OUT + 4);
    }
    return OUT;
  }
}

/** A filter: override the hooks it needs; the defaults go on. */
export class Filter {
  /** The plugin configuration (`pluginConfig` as JSON); return an error message to refuse it. */
  configure(config: string): string | null {
    return null;
  }

  /** The request headers arrived; `endOfStream` when the request has no body. */
  onRequestHeaders(endOfStream: bool): HeadersAction {
    return HeadersAction.CONTINUE;
  }

  /** A request body chunk: `body` is everything held so far plus this chunk. */
  onRequestBody(body: ArrayBuffer, endOfStream: bool): BodyAction {
    return BodyAction.CONTINUE;
  }

  /** The response headers arrived. */
  onResponseHeaders(endOfStream: bool): HeadersAction {
    return HeadersAction.CONTINUE;
  }

  /** A response body chunk. */
  onResponseBody(body: ArrayBuffer, endOfStream: bool): BodyAction {
    return BodyAction.CONTINUE;
  }
}

let current: Filter = new Filter();

/** Makes `filter` the module's filter. */
export function registerFilter(filter: Filter): void {
  current = filter;
}

/** The registered filter. */
export function registeredFilter(): Filter {
  return current;
}
