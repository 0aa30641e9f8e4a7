/**
 * istiod's webhook rules for DestinationRule (`ValidateDestinationRule`, `validateTrafficPolicy`, outlier
 * detection and client TLS); load balancer and connection pool checks live in the `destination_rule_*_rules` files.
 * @module
 */
import type { FieldPath } from "../../diagnostics.ts";
import type { RuleContext } from "../../kind.ts";
import type {
  ClientTLSSettings,
  DestinationRuleSpec,
  OutlierDetection,
  PortTrafficPolicy,
  TrafficPolicy,
} from "./destination_rule.ts";
import { validateLoadBalancer } from "./destination_rule_lb_rules.ts";
import { validateDuration } from "../../duration.ts";
import { validateConnectionPool } from "./destination_rule_pool_rules.ts";
import {
  isIpAddress,
  isIstioDns1123Label,
  istioFqdnError,
  istioWildcardDomainError,
  labelErrors,
  validateExportTo,
} from "../host_rules.ts";
import { portError, validateSelectorLabels } from "./workload_entry_rules.ts";

/** The rules of `ValidateDestinationRule`. */
export function validateDestinationRule(spec: DestinationRuleSpec, ctx: RuleContext): void {
  const ns = ctx.meta.namespace;
  const hostErr = istioWildcardDomainError(spec.host);
  if (hostErr) ctx.report(["host"], hostErr);
  validateTrafficPolicy(ns, spec.trafficPolicy, ["trafficPolicy"], ctx);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((s, i) => {
    const at = ["subsets", i] as const;
    if (names.has(s.name)) ctx.report([...at, "name"], `duplicate subset names: ${s.name}`);
    names.add(s.name);
    if (s.name === "") ctx.report([...at, "name"], "subset name cannot be empty");
    else if (!isIstioDns1123Label(s.name)) ctx.report([...at, "name"], `subset name is invalid: ${s.name}`);
    for (const err of labelErrors(s.labels)) ctx.report([...at, "labels"], err);
    validateTrafficPolicy(ns, s.trafficPolicy, [...at, "trafficPolicy"], ctx);
  });
  validateExportTo(ns, spec.exportTo, ["exportTo"], ctx, {
    destinationRuleWithSelector: spec.workloadSelector !== undefined,
  });
  if (spec.workloadSelector) {
    validateSelectorLabels(spec.workloadSelector.matchLabels, ["workloadSelector", "matchLabels"], ctx);
    if (Object.keys(spec.workloadSelector.matchLabels ?? {}).length === 0) {
      ctx.report(["workloadSelector"], "workload selector specified without labels", "warning");
    }
  }
}

function validateTrafficPolicy(
  ns: string,
  p: TrafficPolicy | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (p === undefined) return;
  if (
    !p.outlierDetection && !p.connectionPool && !p.loadBalancer && !p.tls && !p.portLevelSettings?.length &&
    !p.tunnel && !p.proxyProtocol && !p.retryBudget
  ) {
    ctx.report(at, "traffic policy must have at least one field");
    return;
  }
  if (p.tunnel && p.proxyProtocol) {
    ctx.report(at, "tunnel and proxyProtocol must not be set together");
    return;
  }
  validatePolicySettings(ns, p, at, ctx);
  (p.portLevelSettings ?? []).forEach((pl, i) =>
    validatePortPolicy(ns, pl, [...at, "portLevelSettings", i], ctx)
  );
  if (p.tunnel) {
    const t = p.tunnel;
    const tat = [...at, "tunnel"];
    if (t.protocol && t.protocol !== "CONNECT" && t.protocol !== "POST") {
      ctx.report([...tat, "protocol"], 'tunnel protocol must be "CONNECT" or "POST"');
    }
    const fqdnErr = istioFqdnError(t.targetHost);
    if (fqdnErr && !isIpAddress(t.targetHost)) {
      ctx.report(
        [...tat, "targetHost"],
        `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${t.targetHost} is not a valid IP`,
      );
    }
    const portErr = portError(t.targetPort);
    if (portErr) ctx.report([...tat, "targetPort"], `tunnel target port is invalid: ${portErr}`);
  }
}

function validatePortPolicy(ns: string, p: PortTrafficPolicy, at: FieldPath, ctx: RuleContext): void {
  if (!p.port) ctx.report(at, "portTrafficPolicy must have valid port");
  if (!p.outlierDetection && !p.connectionPool && !p.loadBalancer && !p.tls) {
    ctx.report(at, "port traffic policy must have at least one field");
    return;
  }
  validatePolicySettings(ns, p, at, ctx);
}

/** The settings a traffic policy shares with its port-level policies: outlier detection, pool, balancer, TLS. */
function validatePolicySettings(
  ns: string,
  p: Pick<PortTrafficPolicy, "outlierDetection" | "connectionPool" | "loadBalancer" | "tls">,
  at: FieldPath,
  ctx: RuleContext,
): void {
  validateOutlierDetection(p.outlierDetection, [...at, "outlierDetection"], ctx);
  validateConnectionPool(p.connectionPool, [...at, "connectionPool"], ctx);
  validateLoadBalancer(p.loadBalancer, p.outlierDetection, [...at, "loadBalancer"], ctx);
  validateClientTls(ns, p.tls, [...at, "tls"], ctx);
}

function validateOutlierDetection(o: OutlierDetection | undefined, at: FieldPath, ctx: RuleContext): void {
  if (!o) return;
  validateDuration(o.baseEjectionTime, [...at, "baseEjectionTime"], ctx);
  if (o.consecutiveErrors) {
    ctx.report(
      [...at, "consecutiveErrors"],
      "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead",
      "warning",
    );
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    ctx.report(
      [...at, "consecutiveLocalOriginFailures"],
      "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false",
    );
  }
  validateDuration(o.interval, [...at, "interval"], ctx);
  for (const field of ["maxEjectionPercent", "minHealthPercent"] as const) {
    const v = o[field] ?? 0;
    if (v < 0 || v > 100) ctx.report([...at, field], `percentage ${v} is not in range 0..100`);
  }
}

/** istiod's `ValidateTLS` for client (origination) TLS settings. */
function validateClientTls(
  ns: string,
  tls: ClientTLSSettings | undefined,
  at: FieldPath,
  ctx: RuleContext,
): void {
  if (!tls) return;
  const cred = tls.credentialName ?? "";
  if (cred.startsWith("configmap://")) {
    const [cmNs, cmName] = cred.slice("configmap://".length).split("/");
    let err: string | undefined;
    if (cmName === undefined) {
      err = `invalid resource name ${JSON.stringify(cred)}. Expected namespace and name`;
    } else if (cmNs === "") err = `invalid resource name ${JSON.stringify(cred)}. Expected namespace`;
    else if (cmName === "") err = `invalid resource name ${JSON.stringify(cred)}. Expected name`;
    if (err) ctx.report([...at, "credentialName"], `invalid configmap:// credentialName: ${err}`);
    else if (cmNs !== ns || ns === "") {
      ctx.report(
        [...at, "credentialName"],
        `invalid configmap:// credentialName: namespace must match the configuration namespace ${
          JSON.stringify(ns)
        }`,
      );
    }
  }
  if (tls.insecureSkipVerify) {
    if (tls.mode === "SIMPLE" && (tls.caCertificates || cred || tls.subjectAltNames?.length)) {
      ctx.report(
        at,
        "cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true",
      );
    }
    if (tls.mode === "MUTUAL" && (tls.caCertificates || tls.subjectAltNames?.length)) {
      ctx.report(at, "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
    }
  }
  if ((tls.mode === "SIMPLE" || tls.mode === "MUTUAL") && cred) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      ctx.report(
        at,
        "cannot specify client certificates or CA certificate or CA CRL If credentialName is set",
      );
    }
    return;
  }
  if (tls.mode === "MUTUAL") {
    if (!tls.clientCertificate) ctx.report(at, "client certificate required for mutual tls");
    if (!tls.privateKey) ctx.report(at, "private key required for mutual tls");
  }
}
