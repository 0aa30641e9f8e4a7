/**
 * The world's imports lowered by hand for a main core module run directly: each core function reads its
 * arguments from the flat parameters and guest memory, calls the {@linkcode ComponentHost}, and lowers the
 * result into the return area the guest passed (allocating strings and lists with `cabi_realloc`), as
 * wit-component's canonical `lower` would. Keyed by the module's own import names, so any 0.1.x version of
 * the interfaces binds.
 * @module
 */
import {
  liftLocalReplyFlat,
  storeOptionBytes,
  storeOptionEntry,
  storeOptionString,
  storeOptionU32,
  storeStringPairList,
} from "./canonical/world_values.ts";
import type { GuestMemory } from "./canonical/guest_memory.ts";
import { type ComponentHost, HostCallError } from "./host.ts";
import { parseInterfaceModule, type WorldInterface } from "./world.ts";

/** Where the imports find the instance's memory once it exists. */
export interface MemoryRef {
  /** Set right after instantiation. */
  memory: GuestMemory | undefined;
}

type CoreFunction = (...args: never[]) => unknown;

function enumValue(value: number, cases: number, type: string): number {
  if (value >>> 0 >= cases) throw new HostCallError(`${type}: discriminant ${value} is out of range`);
  return value >>> 0;
}

/** The core functions of interface `iface`. */
function interfaceFunctions(
  iface: WorldInterface,
  host: ComponentHost,
  mem: () => GuestMemory,
): Record<string, CoreFunction> {
  switch (iface) {
    case "http":
      return {
        "get-header": (which: number, np: number, nl: number, ret: number) => {
          const m = mem();
          storeOptionString(m, ret, host.getHeader(which, m.lowercase(np, nl)));
        },
        "get-headers": (which: number, ret: number) => {
          storeStringPairList(mem(), ret, host.getHeaders(which));
        },
        "set-header": (which: number, np: number, nl: number, vp: number, vl: number) => {
          const m = mem();
          host.setHeader(which, m.lowercase(np, nl), m.string(vp, vl));
        },
        "add-header": (which: number, np: number, nl: number, vp: number, vl: number) => {
          const m = mem();
          host.addHeader(which, m.lowercase(np, nl), m.string(vp, vl));
        },
        "remove-header": (which: number, np: number, nl: number) => {
          host.removeHeader(which, mem().lowercase(np, nl));
        },
        "send-reply": (
          status: number,
          hp: number,
          hl: number,
          bp: number,
          bl: number,
          dp: number,
          dl: number,
        ) => {
          host.sendReply(liftLocalReplyFlat(mem(), status, hp, hl, bp, bl, dp, dl));
        },
      };
    case "metrics":
      return {
        "define": (kind: number, np: number, nl: number, ret: number) => {
          const m = mem();
          storeOptionU32(m, ret, host.defineMetric(enumValue(kind, 3, "metric-type"), m.string(np, nl)));
        },
        "increment": (id: number, delta: bigint) => host.incrementMetric(id >>> 0, Number(delta)),
        "record-value": (id: number, value: bigint) =>
          host.recordMetric(id >>> 0, Number(BigInt.asUintN(64, value))),
      };
    case "shared-data":
      return {
        "get": (kp: number, kl: number, ret: number) => {
          const m = mem();
          storeOptionEntry(m, ret, host.sharedGet(m.string(kp, kl)));
        },
        "set": (kp: number, kl: number, vp: number, vl: number, cas: number) => {
          const m = mem();
          return host.sharedSet(m.string(kp, kl), m.bytesAt(vp, vl), cas >>> 0) ? 1 : 0;
        },
      };
    case "properties":
      return {
        "get": (pp: number, pl: number, ret: number) => {
          const m = mem();
          storeOptionBytes(m, ret, host.property(m.stringList(pp, pl)));
        },
      };
    case "log":
      return {
        "write": (level: number, mp: number, ml: number) => {
          const l = enumValue(level, 6, "level");
          if (host.logs(l)) host.log(l, mem().string(mp, ml));
        },
      };
  }
}

/** The import object for `module` (whose imports were checked to be the world's) calling `host`. */
export function directImports(
  module: WebAssembly.Module,
  host: ComponentHost,
  ref: MemoryRef,
): WebAssembly.Imports {
  const mem = (): GuestMemory => {
    if (!ref.memory) throw new HostCallError("a host function was called before the instance was ready");
    return ref.memory;
  };
  const imports: Record<string, Record<string, CoreFunction>> = {};
  for (const { module: name } of WebAssembly.Module.imports(module)) {
    if (imports[name]) continue;
    imports[name] = interfaceFunctions(parseInterfaceModule(name)!, host, mem);
  }
  return imports as WebAssembly.Imports;
}
