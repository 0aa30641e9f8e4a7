/**
 * `security.istio.io` RequestAuthentication: the schema of its spec (istio/api security/v1beta1
 * request_authentication.proto and the CRD's constraints) and istiod's webhook rules for it.
 * @module
 */
import { z } from "zod";
import { parseDuration } from "../../duration.ts";
import { defineKind, type RuleContext } from "../../kind.ts";
import type { FieldPath } from "../../diagnostics.ts";
import { positiveDuration } from "../../schema/common.ts";
import { parseRequestUri, parseUrl } from "../extensions/go_url.ts";
import { jwksError, jwksPrivateKeyIndexes } from "./jwks_rules.ts";
import {
  maxItems,
  nonEmpty,
  oneSelectorKind,
  patterned,
  policySelector,
  targetReference,
  targetReferences,
  validateDryRunAnnotation,
  validatePolicyTargets,
} from "../policy_common.ts";

const JWKS_URI_SCHEME = "url must have scheme http:// or https://";

/** The CRD's CEL rule on `jwksUri`: `url(self).getScheme() in ["http", "https"]`. */
const jwksUri = nonEmpty().max(2048, "Too long: may not be more than 2048 bytes").superRefine((uri, ctx) => {
  const parsed = parseRequestUri(uri);
  const full = parsed.ok ? parseUrl(uri) : parsed;
  if (!full.ok) {
    ctx.addIssue({
      code: "custom",
      message:
        `URL parse error during conversion from string: ${full.error} evaluating rule: ${JWKS_URI_SCHEME}`,
    });
  } else if (full.scheme !== "http" && full.scheme !== "https") {
    ctx.addIssue({ code: "custom", message: JWKS_URI_SCHEME });
  }
});

const jwtHeader = z.strictObject({ name: nonEmpty(), prefix: z.string().optional() });

const claimToHeader = z.strictObject({
  header: patterned("^[-_A-Za-z0-9]+$", nonEmpty()),
  claim: nonEmpty(),
});

const jwtRule = z.strictObject({
  issuer: nonEmpty().optional(),
  audiences: z.array(nonEmpty()).optional(),
  jwksUri: jwksUri.optional(),
  jwks_uri: jwksUri.optional(),
  jwks: z.string().optional(),
  fromHeaders: z.array(jwtHeader).optional(),
  fromParams: z.array(nonEmpty()).optional(),
  fromCookies: z.array(nonEmpty()).optional(),
  outputPayloadToHeader: z.string().optional(),
  forwardOriginalToken: z.boolean().optional(),
  outputClaimToHeaders: z.array(claimToHeader).optional(),
  timeout: positiveDuration.optional(),
  spaceDelimitedClaims: maxItems(nonEmpty(), 64).optional(),
  presence: z.enum(["OPTIONAL", "REQUIRED"]).optional(),
}).superRefine((r, ctx) => {
  if ([r.jwksUri, r.jwks_uri, r.jwks].filter((v) => v !== undefined).length > 1) {
    ctx.addIssue({ code: "custom", message: "only one of jwks or jwksUri can be set" });
  }
});

const spec = z.strictObject({
  selector: policySelector.optional(),
  targetRef: targetReference.optional(),
  targetRefs: targetReferences.optional(),
  jwtRules: maxItems(jwtRule, 4096).optional(),
}).superRefine(oneSelectorKind);

/** The RequestAuthentication kind. */
export const requestAuthenticationKind = defineKind({
  kind: "RequestAuthentication",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
  rules: validateRequestAuthentication,
});

/** A RequestAuthentication spec as validated. */
export type RequestAuthenticationSpec = z.output<typeof spec>;
/** How to validate one issuer's tokens: where to find them, the keys, audiences and what to forward. */
export type JWTRule = z.output<typeof jwtRule>;
/** A header a token is read from, with an optional prefix such as `Bearer `. */
export type JWTHeader = z.output<typeof jwtHeader>;
/** A claim copied into a request header. */
export type ClaimToHeader = z.output<typeof claimToHeader>;

/** The JWKS URI of a rule, from `jwksUri` or its proto-name alias `jwks_uri`. */
export function jwksUriOf(rule: JWTRule): string | undefined {
  return rule.jwksUri ?? rule.jwks_uri;
}

function validateRequestAuthentication(spec: RequestAuthenticationSpec, ctx: RuleContext): void {
  validateDryRunAnnotation(ctx);
  validatePolicyTargets(spec, ctx);
  spec.jwtRules?.forEach((rule, i) => validateJwtRule(rule, ["jwtRules", i], ctx));
}

const STRICT_HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** istiod's `validateJwtRule` and `warnPrivateJwksKeys`. */
function validateJwtRule(rule: JWTRule, at: FieldPath, ctx: RuleContext): void {
  rule.audiences?.forEach((a, k) => {
    if (a === "") ctx.report([...at, "audiences", k], "audience must be non-empty string");
  });
  const uri = jwksUriOf(rule) ?? "";
  const uriField = rule.jwksUri !== undefined ? "jwksUri" : "jwks_uri";
  if (!rule.issuer && uri === "") ctx.report(at, "issuer or jwksUri must be non-empty string");
  if (uri !== "") {
    const parsed = parseUrl(uri);
    if (!parsed.ok) ctx.report([...at, uriField], parsed.error);
    else if (parsed.scheme !== "http" && parsed.scheme !== "https") {
      ctx.report([...at, uriField], `URI scheme ${JSON.stringify(parsed.scheme)} is not supported`);
    }
  }
  if (rule.jwks) {
    const err = jwksError(rule.jwks);
    if (err) ctx.report([...at, "jwks"], `jwks parse error: ${err}`);
    for (const k of jwksPrivateKeyIndexes(rule.jwks)) {
      ctx.report(
        [...at, "jwks"],
        `jwks key at index ${k} contains private key material; only public keys are used for verification`,
        "warning",
      );
    }
  }
  rule.fromHeaders?.forEach((h, k) => {
    if (h.name === "") {
      ctx.report([...at, "fromHeaders", k, "name"], "location header name must be non-empty string");
    }
  });
  rule.fromParams?.forEach((p, k) => {
    if (p === "") ctx.report([...at, "fromParams", k], "location query must be non-empty string");
  });
  rule.fromCookies?.forEach((c, k) => {
    if (c === "") ctx.report([...at, "fromCookies", k], "cookie name must be non-empty string");
  });
  rule.outputClaimToHeaders?.forEach((c, k) => {
    const here = [...at, "outputClaimToHeaders", k];
    if (c.claim === "" || c.header === "") {
      ctx.report(here, "outputClaimToHeaders header and claim value must be non-empty string");
    } else if (!STRICT_HEADER_NAME.test(c.header)) {
      ctx.report([...here, "header"], `header name ${c.header} is not a valid header name`);
    }
  });
  if (rule.timeout !== undefined) {
    const ms = parseDuration(rule.timeout) ?? 0;
    if (ms < 1) ctx.report([...at, "timeout"], "duration must be greater than 1ms");
    else if (Math.round(ms * 1e6) % 1e6 !== 0) {
      ctx.report([...at, "timeout"], "only durations to ms precision are supported");
    }
  }
}
