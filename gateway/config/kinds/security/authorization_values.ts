/**
 * The value checks of istio/istio pkg/config/security that AuthorizationPolicy validation uses: empty values,
 * wildcards, service accounts, trust domains, path templates, IPs and CIDRs, ports, and `when` attributes.
 * Each returns istiod's message, or undefined when the values are fine.
 * @module
 */
import { isCidr, isIpAddress } from "../host_rules.ts";

/** `notIpBlocks` → `NotIpBlocks`, the Go field name istiod's messages use. */
export function goName(field: string): string {
  return field[0].toUpperCase() + field.slice(1);
}

/** `CheckEmptyValues`: no empty string among the values. */
export function checkEmptyValues(name: string, values: readonly string[]): string | undefined {
  return values.includes("") ? `empty value not allowed, found in ${name}` : undefined;
}

function checkWildcardValues(name: string, values: readonly string[]): string | undefined {
  const empty = checkEmptyValues(name, values);
  if (empty) return empty;
  for (const v of values) {
    const stars = v.split("*").length - 1;
    if (stars > 1) return `at most one wildcard is allowed, found in ${name}: ${JSON.stringify(v)}`;
    if (stars === 1 && v !== "*" && !v.startsWith("*") && !v.endsWith("*")) {
      return `wildcard is only allowed at the start or end, found in ${name}: ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

/** `CheckTrustDomainValues`: wildcard rules, and no `/`. */
export function checkTrustDomainValues(name: string, values: readonly string[]): string | undefined {
  const err = checkWildcardValues(name, values);
  if (err) return err;
  const bad = values.find((v) => v.includes("/"));
  return bad === undefined
    ? undefined
    : `trust domain must not contain '/', found in ${name}: ${JSON.stringify(bad)}`;
}

/** `CheckServiceAccount`: at most 16 values of `sa` or `ns/sa`, no wildcards, at most 320 characters. */
export function checkServiceAccount(name: string, values: readonly string[]): string | undefined {
  if (values.length > 16) return "may not have more than 16 values";
  const format = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
  for (const v of values) {
    if (v === "") return `empty value not allowed, found in ${name}`;
    if (v.includes("*")) return `wildcard not allowed, found in ${name}`;
    const slashes = v.split("/").length - 1;
    if (slashes > 1) return `${format}, found ${JSON.stringify(v)} in ${name}`;
    if (v.length > 320) return `value cannot exceed 320 characters, found ${JSON.stringify(v)} in ${name}`;
    if (slashes === 1) {
      const [ns, sa] = v.split("/");
      if (ns === "") return `${format}, found empty namespace ${JSON.stringify(v)} in ${name}`;
      if (sa === "") return `${format}, found empty serviceAccount ${JSON.stringify(v)} in ${name}`;
    }
  }
  return undefined;
}

const VALID_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/** `CheckValidPathTemplate`: `{*}` and `{**}` as whole segments, `{**}` last, other segments valid pchars. */
export function checkValidPathTemplate(name: string, paths: readonly string[]): string | undefined {
  for (const original of paths) {
    const hasTemplate = original.includes("{*}") || original.includes("{**}");
    const path = original.replace(/^\/+|\/+$/g, "");
    let matchAnySeen = false;
    for (const glob of path.split("/")) {
      if ((glob === "{*}" || glob === "{**}") && !matchAnySeen) {
        if (glob === "{**}") matchAnySeen = true;
        continue;
      }
      if (glob === "{*}" || glob === "{**}") {
        return `invalid or unsupported path ${path}, found in ${name}. {**} is not the last operator`;
      }
      if (/[{}]/.test(glob)) {
        return `invalid or unsupported path ${path}, found in ${name}. ` +
          "Contains '{' or '}' beyond a supported path template";
      }
      if (hasTemplate && !VALID_LITERAL.test(glob)) {
        return `invalid or unsupported path ${path}, found in ${name}. Contains segment ${glob} with invalid string literal`;
      }
    }
  }
  return undefined;
}

/** The reason a value is not an IP or CIDR as Go's `netip` parses them, or undefined. */
export function ipError(v: string): string | undefined {
  const leadingZero = (ip: string) => !ip.includes(":") && ip.split(".").some((o) => /^0\d/.test(o));
  if (v.includes("/")) {
    const [ip, bits] = v.split("/", 2);
    if (!isCidr(v) || leadingZero(ip) || /^0\d/.test(bits)) {
      return `bad CIDR range (${v}): netip.ParsePrefix(${JSON.stringify(v)}): invalid prefix`;
    }
    return undefined;
  }
  return isIpAddress(v) && !leadingZero(v) ? undefined : `bad IP address (${v})`;
}

/** `ValidatePorts` for one value: a decimal number up to 65535. */
export function portError(port: string): string | undefined {
  if (!/^\d+$/.test(port)) {
    return `bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`;
  }
  if (Number(port) > 4294967295) {
    return `bad port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: value out of range`;
  }
  return Number(port) > 65535 ? `bad port (${port}): <nil>` : undefined;
}

function mapKeyError(key: string): string | undefined {
  const open = key.indexOf("[");
  return key.endsWith("]") && open > 0 && open < key.length - 2
    ? undefined
    : `bad key (${key}): should have format a[b]`;
}

/** pkg/config/security `ValidateAttribute`: the `when` keys istiod knows and the values each accepts. */
export function validateAttribute(key: string, values: readonly string[]): string | undefined {
  const empty = checkEmptyValues(key, values);
  if (empty) return empty;
  if (key.startsWith("request.headers")) return mapKeyError(key);
  switch (key) {
    case "source.ip":
    case "remote.ip":
    case "destination.ip":
      return values.map(ipError).find((e) => e !== undefined);
    case "source.serviceAccount":
      return checkServiceAccount(key, values);
    case "source.trustDomain":
      return checkWildcardValues(key, values);
    case "destination.port":
      return values.map(portError).find((e) => e !== undefined);
    case "source.namespace":
    case "source.principal":
    case "request.auth.principal":
    case "request.auth.audiences":
    case "request.auth.presenter":
    case "connection.sni":
      return undefined;
    case "destination.namespace":
      return `attribute ${key} is replaced by the metadata.namespace`;
    case "destination.name":
    case "destination.user":
      return `deprecated attribute ${key}: only supported in v1alpha1`;
  }
  if (key.startsWith("request.auth.claims")) return mapKeyError(key);
  if (key.startsWith("experimental.envoy.filters.")) return mapKeyError(key);
  if (key.startsWith("destination.labels")) return `attribute ${key} is replaced by the workload selector`;
  return `unknown attribute: ${key}`;
}
