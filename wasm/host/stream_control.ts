/**
 * Stream control: `proxy_send_local_response`, `proxy_continue_stream`, `proxy_close_stream`, and 0.1.0's
 * `proxy_continue_request`, `proxy_continue_response`, `proxy_clear_route_cache`.
 * @module
 */
import { HeaderList } from "../../gateway/proxy/header_list.ts";
import { StreamType } from "../abi/enums.ts";
import { Status } from "../abi/status.ts";
import { readPairs } from "../guest/pairs.ts";
import type { WasmVm } from "../runtime/vm.ts";
import { validFields } from "./header_maps.ts";
import type { HostFunctions } from "./types.ts";

/** The stream control host functions of `vm`. */
export function streamControlFunctions(vm: WasmVm): HostFunctions {
  return {
    proxy_send_local_response(
      status: number,
      detailsPtr: number,
      detailsLen: number,
      bodyPtr: number,
      bodyLen: number,
      headersPtr: number,
      headersLen: number,
      grpcStatus: number,
    ): number {
      const details = vm.memory.string(detailsPtr >>> 0, detailsLen >>> 0);
      const body = vm.memory.copy(bodyPtr >>> 0, bodyLen >>> 0);
      if (
        details === undefined || body === undefined || !vm.memory.inBounds(headersPtr >>> 0, headersLen >>> 0)
      ) {
        return Status.InvalidMemoryAccess;
      }
      const pairs = readPairs(vm.memory.bytes(), headersPtr >>> 0, headersLen >>> 0);
      const fields = pairs && validFields(pairs);
      if (!fields || status < 100 || status > 999) return Status.BadArgument;
      return vm.effective.sendLocalResponse({
        status,
        details,
        body,
        headers: new HeaderList(fields),
        grpcStatus: grpcStatus < 0 ? undefined : grpcStatus,
      });
    },
    proxy_continue_stream(type: number): number {
      return vm.effective.continueStream(type);
    },
    proxy_close_stream(type: number): number {
      return vm.effective.closeStream(type);
    },
    proxy_continue_request(): number {
      return vm.effective.continueStream(StreamType.Request);
    },
    proxy_continue_response(): number {
      return vm.effective.continueStream(StreamType.Response);
    },
    proxy_clear_route_cache(): number {
      vm.effective.clearRouteCache();
      return Status.Ok;
    },
  };
}
