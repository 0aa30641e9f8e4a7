/**
 * WASI preview1 (`wasi_snapshot_preview1`, also under `wasi_unstable`) as far as filter runtimes need it:
 * args (none), environment (the plugin's `env`), clocks, random bytes, stdout/stderr into the log (info and
 * error), stdin at end of file, `proc_exit` (ends the VM), `sched_yield`, and `poll_oneoff` for clock
 * subscriptions (they fire at once: a host call cannot block). There is no file system: no preopened
 * directories (`fd_prestat_get` is BADF), and every other function returns ENOSYS.
 * @module
 */
import { LogLevel } from "../abi/enums.ts";
import { encodeUtf8 } from "../guest/utf8.ts";
import type { WasmVm } from "../runtime/vm.ts";
import { ProcExit } from "../sandbox/trap.ts";
import type { HostFunctions } from "./types.ts";

/** WASI errno values used here. */
export const Errno = { Success: 0, Badf: 8, Fault: 21, Inval: 28, Nosys: 52, Spipe: 70 } as const;

/** Every preview1 function name. */
export const WASI_FUNCTIONS: readonly string[] = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "sched_yield",
  "random_get",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

const CHARACTER_DEVICE = 2;
const RIGHT_FD_READ = 2n;
const RIGHT_FD_WRITE = 64n;
const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;
const RANDOM_CHUNK = 65536;
const decoder = new TextDecoder();

/** The WASI functions of `vm`. */
export function wasiFunctions(vm: WasmVm): HostFunctions {
  const mem = () => vm.memory;
  const isStdio = (fd: number) => fd >= 0 && fd <= 2;
  const environ = Object.entries(vm.env.env).map(([k, v]) => encodeUtf8(`${k}=${v}\0`));

  const implemented: HostFunctions = {
    args_sizes_get(countPtr: number, sizePtr: number): number {
      return mem().setU32(countPtr >>> 0, 0) && mem().setU32(sizePtr >>> 0, 0) ? Errno.Success : Errno.Fault;
    },
    args_get(): number {
      return Errno.Success;
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const size = environ.reduce((n, e) => n + e.length, 0);
      return mem().setU32(countPtr >>> 0, environ.length) && mem().setU32(sizePtr >>> 0, size)
        ? Errno.Success
        : Errno.Fault;
    },
    environ_get(pointersPtr: number, bufferPtr: number): number {
      let ptr = pointersPtr >>> 0;
      let buf = bufferPtr >>> 0;
      for (const entry of environ) {
        if (!mem().setU32(ptr, buf) || !mem().write(buf, entry)) return Errno.Fault;
        ptr += 4;
        buf += entry.length;
      }
      return Errno.Success;
    },
    clock_res_get(id: number, resPtr: number): number {
      if (id !== 0 && id !== 1) return Errno.Inval;
      return mem().setU64(resPtr >>> 0, 1000n) ? Errno.Success : Errno.Fault;
    },
    clock_time_get(id: number, _precision: bigint, timePtr: number): number {
      let time: bigint;
      if (id === 0) time = vm.env.clock.now();
      else if (id === 1) time = vm.env.clock.monotonic();
      else return Errno.Inval;
      return mem().setU64(timePtr >>> 0, time) ? Errno.Success : Errno.Fault;
    },
    random_get(bufPtr: number, len: number): number {
      const start = bufPtr >>> 0;
      const n = len >>> 0;
      if (!mem().inBounds(start, n)) return Errno.Fault;
      const bytes = mem().bytes();
      for (let at = 0; at < n; at += RANDOM_CHUNK) {
        crypto.getRandomValues(bytes.subarray(start + at, start + Math.min(n, at + RANDOM_CHUNK)));
      }
      return Errno.Success;
    },
    fd_write(fd: number, iovsPtr: number, iovsLen: number, writtenPtr: number): number {
      if (fd !== 1 && fd !== 2) return Errno.Badf;
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < iovsLen >>> 0; i++) {
        const at = (iovsPtr >>> 0) + i * 8;
        const ptr = mem().u32(at);
        const len = mem().u32(at + 4);
        const chunk = ptr === undefined || len === undefined ? undefined : mem().copy(ptr, len);
        if (!chunk) return Errno.Fault;
        chunks.push(chunk);
        total += chunk.length;
      }
      if (!mem().setU32(writtenPtr >>> 0, total)) return Errno.Fault;
      const text = chunks.map((c) => decoder.decode(c)).join("").replace(/\n$/, "");
      if (text !== "") vm.log(fd === 1 ? LogLevel.Info : LogLevel.Error, text);
      return Errno.Success;
    },
    fd_read(fd: number, _iovsPtr: number, _iovsLen: number, readPtr: number): number {
      if (fd !== 0) return Errno.Badf;
      return mem().setU32(readPtr >>> 0, 0) ? Errno.Success : Errno.Fault;
    },
    fd_close(fd: number): number {
      return isStdio(fd) ? Errno.Success : Errno.Badf;
    },
    fd_sync(fd: number): number {
      return isStdio(fd) ? Errno.Success : Errno.Badf;
    },
    fd_datasync(fd: number): number {
      return isStdio(fd) ? Errno.Success : Errno.Badf;
    },
    fd_seek(fd: number): number {
      return isStdio(fd) ? Errno.Spipe : Errno.Badf;
    },
    fd_tell(fd: number): number {
      return isStdio(fd) ? Errno.Spipe : Errno.Badf;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      if (!isStdio(fd)) return Errno.Badf;
      const at = statPtr >>> 0;
      const m = mem();
      const ok = m.inBounds(at, 24) && m.setU8(at, CHARACTER_DEVICE) && m.setU16(at + 2, 0) &&
        m.setU64(at + 8, fd === 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE) && m.setU64(at + 16, 0n);
      return ok ? Errno.Success : Errno.Fault;
    },
    fd_prestat_get(): number {
      return Errno.Badf;
    },
    fd_prestat_dir_name(): number {
      return Errno.Badf;
    },
    poll_oneoff(inPtr: number, outPtr: number, count: number, eventsPtr: number): number {
      const m = mem();
      const n = count >>> 0;
      if (!m.inBounds(inPtr >>> 0, n * SUBSCRIPTION_SIZE) || !m.inBounds(outPtr >>> 0, n * EVENT_SIZE)) {
        return Errno.Fault;
      }
      for (let i = 0; i < n; i++) {
        const sub = (inPtr >>> 0) + i * SUBSCRIPTION_SIZE;
        const event = (outPtr >>> 0) + i * EVENT_SIZE;
        const tag = m.bytes()[sub + 8];
        m.bytes().fill(0, event, event + EVENT_SIZE);
        m.setU64(event, m.u64(sub)!);
        m.setU16(event + 8, tag === 0 ? Errno.Success : Errno.Badf);
        m.setU8(event + 10, tag);
      }
      return m.setU32(eventsPtr >>> 0, n) ? Errno.Success : Errno.Fault;
    },
    proc_exit(code: number): void {
      throw new ProcExit(code >>> 0);
    },
    sched_yield(): number {
      return Errno.Success;
    },
  };
  const out: HostFunctions = {};
  for (const name of WASI_FUNCTIONS) out[name] = implemented[name] ?? (() => Errno.Nosys);
  return out;
}
