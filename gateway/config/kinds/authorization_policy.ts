/**
 * `security.istio.io` AuthorizationPolicy: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The AuthorizationPolicy kind. */
export const authorizationPolicyKind = defineKind({
  kind: "AuthorizationPolicy",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
});

/** A AuthorizationPolicy spec as validated. */
export type AuthorizationPolicySpec = z.output<typeof spec>;
