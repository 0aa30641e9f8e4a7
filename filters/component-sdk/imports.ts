// The host functions of the portcullis:filter@0.1.0 world as the canonical ABI lowers them (wasm32, UTF-8):
// strings and lists are (pointer, length) pairs; a result that does not fit one value is written to a return
// area the caller passes last. Values the host returns in memory were allocated with `cabi_realloc`.

// interface http
@external("portcullis:filter/http@0.1.0", "get-header")
export declare function get_header(which: u32, name: usize, nameLen: usize, ret: usize): void;
@external("portcullis:filter/http@0.1.0", "get-headers")
export declare function get_headers(which: u32, ret: usize): void;
@external("portcullis:filter/http@0.1.0", "set-header")
export declare function set_header(which: u32, name: usize, nameLen: usize, value: usize, valueLen: usize): void;
@external("portcullis:filter/http@0.1.0", "add-header")
export declare function add_header(which: u32, name: usize, nameLen: usize, value: usize, valueLen: usize): void;
@external("portcullis:filter/http@0.1.0", "remove-header")
export declare function remove_header(which: u32, name: usize, nameLen: usize): void;
@external("portcullis:filter/http@0.1.0", "send-reply")
export declare function send_reply(
  status: u32,
  headers: usize,
  headersLen: usize,
  body: usize,
  bodyLen: usize,
  details: usize,
  detailsLen: usize,
): void;

// interface metrics
@external("portcullis:filter/metrics@0.1.0", "define")
export declare function metric_define(kind: u32, name: usize, nameLen: usize, ret: usize): void;
@external("portcullis:filter/metrics@0.1.0", "increment")
export declare function metric_increment(id: u32, delta: i64): void;
@external("portcullis:filter/metrics@0.1.0", "record-value")
export declare function metric_record(id: u32, value: u64): void;

// interface shared-data
@external("portcullis:filter/shared-data@0.1.0", "get")
export declare function shared_get(key: usize, keyLen: usize, ret: usize): void;
@external("portcullis:filter/shared-data@0.1.0", "set")
export declare function shared_set(key: usize, keyLen: usize, value: usize, valueLen: usize, cas: u32): u32;

// interface properties
@external("portcullis:filter/properties@0.1.0", "get")
export declare function property_get(path: usize, pathLen: usize, ret: usize): void;

// interface log
@external("portcullis:filter/log@0.1.0", "write")
export declare function log_write(level: u32, message: usize, messageLen: usize): void;
