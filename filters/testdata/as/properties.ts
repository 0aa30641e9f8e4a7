// Properties: request headers get the values of request.path, request.method, request.headers.user-agent,
// source.address, source.port, plugin_name, plugin_root_id, plugin_vm_id, route_name, node.id,
// node.metadata.REGION, a property set by the filter, and the status of an unknown path. on_log reads
// response.code (8-byte integer) and logs it, and stores it in shared data as "last_response_code".
import {
  addHeader,
  getPropertyInt,
  getPropertyString,
  log,
  REQUEST_HEADERS,
  setProperty,
  setSharedData,
} from "./lib/host";
export { proxy_abi_version_0_2_1, proxy_on_memory_allocate } from "./lib/runtime";

export function proxy_on_context_create(context: u32, parent: u32): void {}

export function proxy_on_request_headers(context: u32, headers: u32, endOfStream: u32): u32 {
  addHeader(REQUEST_HEADERS, "x-prop-path", getPropertyString(["request", "path"]));
  addHeader(REQUEST_HEADERS, "x-prop-url-path", getPropertyString(["request", "url_path"]));
  addHeader(REQUEST_HEADERS, "x-prop-method", getPropertyString(["request", "method"]));
  addHeader(REQUEST_HEADERS, "x-prop-ua", getPropertyString(["request", "headers", "user-agent"]));
  addHeader(REQUEST_HEADERS, "x-prop-source", getPropertyString(["source", "address"]));
  addHeader(REQUEST_HEADERS, "x-prop-source-port", getPropertyInt(["source", "port"]));
  addHeader(REQUEST_HEADERS, "x-prop-plugin", getPropertyString(["plugin_name"]));
  addHeader(REQUEST_HEADERS, "x-prop-root", getPropertyString(["plugin_root_id"]));
  addHeader(REQUEST_HEADERS, "x-prop-vm", getPropertyString(["plugin_vm_id"]));
  addHeader(REQUEST_HEADERS, "x-prop-route", getPropertyString(["route_name"]));
  addHeader(REQUEST_HEADERS, "x-prop-node", getPropertyString(["node", "id"]));
  addHeader(REQUEST_HEADERS, "x-prop-region", getPropertyString(["node", "metadata", "REGION"]));
  addHeader(REQUEST_HEADERS, "x-prop-time-bytes", getPropertyInt(["request", "time"]).length > 0 ? "8" : "0");
  addHeader(REQUEST_HEADERS, "x-prop-missing", getPropertyString(["no", "such", "thing"]));
  setProperty(["my_filter", "decision"], "allowed");
  addHeader(REQUEST_HEADERS, "x-prop-custom", getPropertyString(["my_filter", "decision"]));
  return 0;
}

export function proxy_on_log(context: u32): void {
  const code = getPropertyInt(["response", "code"]);
  log(2, "response code " + code);
  setSharedData("last_response_code", code, 0);
}
