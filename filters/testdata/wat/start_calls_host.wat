;; A module whose start function calls a host function: its memory is not available yet, so it cannot start.
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "too early")
  (func $start (drop (call $log (i32.const 2) (i32.const 0) (i32.const 9))))
  (start $start)
  (func (export "proxy_abi_version_0_2_1")))
