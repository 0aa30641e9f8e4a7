/**
 * `imagePullPolicy` as Istio applies it: `IfNotPresent` uses a module already pulled for the same image (by
 * digest, or by tag within this process); `Always` pulls a tag again whenever the WasmPlugin resource changes.
 * Unset means IfNotPresent, except for an `oci://` URL ending in `:latest`, which means Always.
 * @module
 */

/** The policy in force. */
export type PullPolicy = "IfNotPresent" | "Always";

/** The scheme of a module URL (`oci` when it has none, as Istio reads it). */
export function moduleUrlScheme(url: string): string {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase() ?? "oci";
}

/** The policy in force for `url` given the WasmPlugin's `imagePullPolicy` (unset or UNSPECIFIED_POLICY). */
export function effectivePullPolicy(url: string, imagePullPolicy?: string): PullPolicy {
  if (imagePullPolicy === "Always" || imagePullPolicy === "IfNotPresent") return imagePullPolicy;
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[?#]/, 1)[0];
  return moduleUrlScheme(url) === "oci" && path.endsWith(":latest") ? "Always" : "IfNotPresent";
}
