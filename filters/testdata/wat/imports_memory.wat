;; A module that imports its memory, which this host does not provide: refused at load.
(module
  (import "env" "memory" (memory 1))
  (func (export "proxy_abi_version_0_2_1")))
