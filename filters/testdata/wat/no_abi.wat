;; A module with Proxy-Wasm callbacks but no proxy_abi_version_* marker: the host refuses it.
(module
  (memory (export "memory") 1)
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0)))
