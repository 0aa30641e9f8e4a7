/**
 * What WasmPlugin and TrafficExtension's `wasm` share: the module URL with the CRD's CEL rule, the VM
 * environment, the enums, and istiod's checks on them (`validateWasmPluginURL`, `validateWasmPluginSHA`,
 * `validateWasmPluginVMConfig`, the match port checks).
 * @module
 */
import { z } from "zod";
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import { parseRequestUri, parseUrl } from "./go_url.ts";
import { boundedName, maxItems, nonEmpty, patterned, uniqueListKey } from "../policy_common.ts";

const URL_SCHEMES = ["", "http", "https", "oci", "file"];
const URL_SCHEME_MESSAGE = "url must have schema one of [http, https, file, oci]";

/**
 * The CRD's rule on a module URL: a URL with scheme http, https, oci or file, or something that becomes a
 * valid URL once `http://` is put in front (an OCI reference without scheme).
 */
export const wasmUrl = nonEmpty().superRefine((url, ctx) => {
  if (parseRequestUri(url).ok) {
    const parsed = parseUrl(url);
    if (!parsed.ok) {
      ctx.addIssue({
        code: "custom",
        message:
          `URL parse error during conversion from string: ${parsed.error} evaluating rule: ${URL_SCHEME_MESSAGE}`,
      });
    } else if (!URL_SCHEMES.includes(parsed.scheme)) {
      ctx.addIssue({ code: "custom", message: URL_SCHEME_MESSAGE });
    }
  } else if (!parseRequestUri("http://" + url).ok) {
    ctx.addIssue({ code: "custom", message: URL_SCHEME_MESSAGE });
  }
});

/** `sha256`: empty or 64 lowercase hex digits. */
export const sha256 = patterned("(^$|^[a-f0-9]{64}$)");

/** `imagePullPolicy`. */
export const pullPolicy = z.enum(["UNSPECIFIED_POLICY", "IfNotPresent", "Always"]);
/** `failStrategy`; unset means FAIL_CLOSE. */
export const failStrategy = z.enum(["FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"]);
/** `type`; unset means HTTP. */
export const pluginType = z.enum(["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"]);

const envVar = z.strictObject({
  name: boundedName(256),
  valueFrom: z.enum(["INLINE", "HOST"]).optional(),
  value: z.string().max(2048, "Too long: may not be more than 2048 bytes").optional(),
}).superRefine((e, ctx) => {
  if (e.valueFrom === "HOST" && e.value !== undefined) {
    ctx.addIssue({ code: "custom", message: "value may only be set when valueFrom is INLINE" });
  }
});

/** `vmConfig`: environment variables handed to the Wasm VM. */
export const vmConfig = z.strictObject({
  env: maxItems(envVar, 256).superRefine(uniqueListKey("name")).optional(),
});

/** A parsed VM config. */
export type VmConfig = z.output<typeof vmConfig>;

/** istiod's `strictParseURL` + scheme check: the reason a module URL is unusable, or undefined. */
export function wasmUrlError(url: string): string | undefined {
  if (url === "") return "url field needs to be set";
  let scheme: string;
  const direct = parseRequestUri(url);
  if (direct.ok) {
    const strict = parseUrl(url);
    if (!strict.ok) return `failed to strict parse url: ${strict.error}`;
    scheme = direct.scheme;
  } else {
    const prefixed = parseRequestUri("http://" + url);
    if (!prefixed.ok) return `failed to parse url: ${direct.error}`;
    const strict = parseUrl("http://" + url);
    if (!strict.ok) return `failed to strict parse url: ${strict.error}`;
    scheme = prefixed.scheme;
  }
  return URL_SCHEMES.includes(scheme) ? undefined : `url contains unsupported scheme: ${scheme}`;
}

/** The common fields of a Wasm module reference. */
export interface WasmModuleFields {
  url: string;
  sha256?: string;
  imagePullSecret?: string;
  pluginName?: string;
  vmConfig?: VmConfig;
}

/** istiod's checks on a module reference: URL, sha256, pull secret and plugin name lengths, VM env. */
export function validateWasmModule(
  m: WasmModuleFields,
  at: FieldPath,
  ctx: RuleContext,
  pluginNameLimit: string,
): void {
  const urlErr = wasmUrlError(m.url);
  if (urlErr) ctx.report([...at, "url"], urlErr);
  if (m.sha256) {
    if (m.sha256.length !== 64) ctx.report([...at, "sha256"], "sha256 field must be 64 characters long");
    else if (!/^[a-f0-9]+$/.test(m.sha256)) {
      ctx.report([...at, "sha256"], "sha256 field must match [a-f0-9]{64} pattern");
    }
  }
  if ((m.imagePullSecret?.length ?? 0) > 253) {
    ctx.report([...at, "imagePullSecret"], "imagePullSecret field must be less than 253 characters long");
  }
  if ((m.pluginName?.length ?? 0) > 256) {
    ctx.report(
      [...at, "pluginName"],
      `pluginName field must be less than ${pluginNameLimit} characters long`,
    );
  }
  validateVmConfig(m.vmConfig, [...at, "vmConfig"], ctx);
}

/** istiod's `validateWasmPluginVMConfig`: stops at the first bad variable, as istiod does. */
function validateVmConfig(vm: VmConfig | undefined, at: FieldPath, ctx: RuleContext): void {
  const names = new Set<string>();
  for (const [i, env] of (vm?.env ?? []).entries()) {
    const here = [...at, "env", i];
    let err: string | undefined;
    if (env.name === "") err = "spec.vmConfig.env invalid";
    else if (env.name.length > 256) err = "env.name field must be less than 255 characters long";
    else if (names.has(env.name)) err = "duplicate env";
    else if ((env.valueFrom ?? "INLINE") !== "INLINE" && env.value) {
      err = "value may only be set when valueFrom is INLINE";
    }
    if (err) {
      ctx.report(here, err);
      return;
    }
    names.add(env.name);
  }
}

/** istiod's match check: every port number within 1..65535 (first problem only). */
export function validateMatchPorts(
  match: readonly { ports?: readonly { number: number }[] }[] | undefined,
  ctx: RuleContext,
): void {
  for (const [i, sel] of (match ?? []).entries()) {
    for (const [j, port] of (sel.ports ?? []).entries()) {
      if (port.number <= 0 || port.number > 65535) {
        ctx.report(
          ["match", i, "ports", j, "number"],
          `spec.Match[${i}].Ports[${j}] is out of range: ${port.number}`,
        );
        return;
      }
    }
  }
}
