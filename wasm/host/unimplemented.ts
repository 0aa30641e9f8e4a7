/**
 * Host functions that exist (SDK builds import them all) but return UNIMPLEMENTED: gRPC callouts, whose
 * transport the data path does not have yet, and `proxy_get_status`, which only reports gRPC call status.
 * @module
 */
import { Status } from "../abi/status.ts";
import type { HostFunctions } from "./types.ts";

/** The names answered with UNIMPLEMENTED. */
export const UNIMPLEMENTED_FUNCTIONS: readonly string[] = [
  "proxy_grpc_call",
  "proxy_grpc_stream",
  "proxy_grpc_send",
  "proxy_grpc_cancel",
  "proxy_grpc_close",
  "proxy_get_status",
];

/** The UNIMPLEMENTED host functions. */
export function unimplementedFunctions(): HostFunctions {
  const out: HostFunctions = {};
  for (const name of UNIMPLEMENTED_FUNCTIONS) out[name] = () => Status.Unimplemented;
  return out;
}
