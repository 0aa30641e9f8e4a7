/**
 * `security.istio.io` PeerAuthentication: the schema of its spec (istio/api security/v1beta1
 * peer_authentication.proto and the CRD's constraints) and istiod's webhook rules for it.
 * @module
 */
import { z } from "zod";
import { defineKind, type RuleContext } from "../../kind.ts";
import { policySelector, validateDryRunAnnotation, validateWorkloadSelector } from "../policy_common.ts";

const mtls = z.strictObject({ mode: z.enum(["UNSET", "DISABLE", "PERMISSIVE", "STRICT"]).optional() });

const PORT_RANGE = "port must be between 1-65535";

const portLevelMtls = z.record(z.string(), mtls).superRefine((ports, ctx) => {
  const keys = Object.keys(ports);
  if (keys.length === 0) ctx.addIssue({ code: "custom", message: "should have at least 1 properties" });
  const bad = keys.find((k) => !/^[+-]?\d+$/.test(k));
  if (bad !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `type conversion error from 'string' to 'int' (key ${
        JSON.stringify(bad)
      }) evaluating rule: ${PORT_RANGE}`,
    });
  } else if (keys.some((k) => Number(k) <= 0 || Number(k) > 65535)) {
    ctx.addIssue({ code: "custom", message: PORT_RANGE });
  }
});

const spec = z.strictObject({
  selector: policySelector.optional(),
  mtls: mtls.optional(),
  portLevelMtls: portLevelMtls.optional(),
}).superRefine((s, ctx) => {
  if (s.portLevelMtls !== undefined && Object.keys(s.selector?.matchLabels ?? {}).length === 0) {
    ctx.addIssue({ code: "custom", message: "portLevelMtls requires selector" });
  }
});

/** The PeerAuthentication kind. */
export const peerAuthenticationKind = defineKind({
  kind: "PeerAuthentication",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
  rules: validatePeerAuthentication,
});

/** A PeerAuthentication spec as validated. */
export type PeerAuthenticationSpec = z.output<typeof spec>;
/** An mTLS mode; UNSET inherits from the parent (namespace, then mesh). */
export type MutualTlsMode = NonNullable<z.output<typeof mtls>["mode"]>;

/** istiod's `ValidatePeerAuthentication`. */
function validatePeerAuthentication(spec: PeerAuthenticationSpec, ctx: RuleContext): void {
  validateDryRunAnnotation(ctx);
  const ports = Object.keys(spec.portLevelMtls ?? {});
  if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0 && ports.length > 0) {
    ctx.report(["portLevelMtls"], "mesh/namespace peer authentication cannot have port level mTLS");
  }
  if (spec.portLevelMtls !== undefined && ports.length === 0) {
    ctx.report(["portLevelMtls"], "port level mTLS, if defined, must have at least one element");
  }
  for (const port of ports) {
    if (Number(port) <= 0 || Number(port) > 65535) {
      ctx.report(["portLevelMtls", port], "port must be in range 1..65535");
    }
  }
  if (spec.selector !== undefined) validateWorkloadSelector(spec.selector, ["selector"], ctx);
}
