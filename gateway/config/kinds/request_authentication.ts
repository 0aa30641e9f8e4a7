/**
 * `security.istio.io` RequestAuthentication: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The RequestAuthentication kind. */
export const requestAuthenticationKind = defineKind({
  kind: "RequestAuthentication",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
});

/** A RequestAuthentication spec as validated. */
export type RequestAuthenticationSpec = z.output<typeof spec>;
