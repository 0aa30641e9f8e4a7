// The component twin of testdata/as/headers.ts, for the benchmark: the same header work on both
// directions. Request: adds x-wasm-added, replaces x-replace-me, removes x-remove-me, copies :path into
// x-seen-path, looks x-pairs up (with it present, reads every field and appends x-pairs-count). Response:
// adds x-wasm-response, replaces server, removes x-powered-by. Names and values are encoded once, and the
// path passes through as bytes, as the Proxy-Wasm filter passes it.
import {
  addHeaderBytes,
  Direction,
  Filter,
  getHeaderBytes,
  getHeaders,
  HeadersAction,
  registerFilter,
  removeHeaderBytes,
  setHeaderBytes,
  utf8,
} from "@portcullis/component-sdk";

const ADDED = utf8("x-wasm-added");
const YES = utf8("yes");
const REPLACE_ME = utf8("x-replace-me");
const REPLACED = utf8("replaced");
const REMOVE_ME = utf8("x-remove-me");
const PATH = utf8(":path");
const SEEN_PATH = utf8("x-seen-path");
const PAIRS = utf8("x-pairs");
const PAIRS_COUNT = utf8("x-pairs-count");
const RESPONSE_ADDED = utf8("x-wasm-response");
const SERVER = utf8("server");
const SERVER_VALUE = utf8("portcullis-wasm");
const POWERED_BY = utf8("x-powered-by");

class Headers extends Filter {
  onRequestHeaders(endOfStream: bool): HeadersAction {
    addHeaderBytes(Direction.Request, ADDED, YES);
    setHeaderBytes(Direction.Request, REPLACE_ME, REPLACED);
    removeHeaderBytes(Direction.Request, REMOVE_ME);
    const path = getHeaderBytes(Direction.Request, PATH);
    if (path !== null) addHeaderBytes(Direction.Request, SEEN_PATH, path);
    if (getHeaderBytes(Direction.Request, PAIRS) !== null) {
      const fields = getHeaders(Direction.Request);
      addHeaderBytes(Direction.Request, PAIRS_COUNT, utf8(fields.length.toString()));
    }
    return HeadersAction.CONTINUE;
  }

  onResponseHeaders(endOfStream: bool): HeadersAction {
    addHeaderBytes(Direction.Response, RESPONSE_ADDED, YES);
    setHeaderBytes(Direction.Response, SERVER, SERVER_VALUE);
    removeHeaderBytes(Direction.Response, POWERED_BY);
    return HeadersAction.CONTINUE;
  }
}

registerFilter(new Headers());
