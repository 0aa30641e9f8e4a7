/**
 * `proxy_http_call`: the request goes to the data path's callout; the response comes back to the root
 * context's `proxy_on_http_call_response` (whatever context made the call, as Envoy does).
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { Status } from "../abi/status.ts";
import { readPairs } from "../guest/pairs.ts";
import type { WasmVm } from "../runtime/vm.ts";
import { validFields } from "./header_maps.ts";
import type { HostFunctions } from "./types.ts";

/** The HTTP call host function of `vm`. */
export function httpCallFunctions(vm: WasmVm): HostFunctions {
  const pairsAt = (ptr: number, len: number): HeaderList | Status => {
    if (!vm.memory.inBounds(ptr >>> 0, len >>> 0)) return Status.InvalidMemoryAccess;
    const pairs = readPairs(vm.memory.bytes(), ptr >>> 0, len >>> 0);
    const fields = pairs && validFields(pairs);
    return fields ? new HeaderList(fields) : Status.BadArgument;
  };
  return {
    proxy_http_call(
      upstreamPtr: number,
      upstreamLen: number,
      headersPtr: number,
      headersLen: number,
      bodyPtr: number,
      bodyLen: number,
      trailersPtr: number,
      trailersLen: number,
      timeoutMs: number,
      tokenPtr: number,
    ): number {
      const cluster = vm.memory.string(upstreamPtr >>> 0, upstreamLen >>> 0);
      const body = vm.memory.copy(bodyPtr >>> 0, bodyLen >>> 0);
      if (cluster === undefined || body === undefined || !vm.memory.inBounds(tokenPtr >>> 0, 4)) {
        return Status.InvalidMemoryAccess;
      }
      const headers = pairsAt(headersPtr, headersLen);
      if (typeof headers === "number") return headers;
      const trailers = pairsAt(trailersPtr, trailersLen);
      if (typeof trailers === "number") return trailers;
      if (timeoutMs < 0 || !headers.has(":method") || !headers.has(":path") || !headers.has(":authority")) {
        return Status.BadArgument;
      }
      if (body.length > 0) headers.setValid("content-length", String(body.length));
      const { status, token } = vm.httpCall(cluster, headers, body, trailers, timeoutMs);
      if (status === Status.Ok) vm.memory.setU32(tokenPtr >>> 0, token);
      return status;
    },
  };
}
