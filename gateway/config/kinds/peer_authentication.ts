/**
 * `security.istio.io` PeerAuthentication: the schema of its spec and the webhook's rules for it.
 * TRANSITIONAL: permissive schema until the full one lands in this change.
 * @module
 */
import { z } from "zod";
import { defineKind } from "../kind.ts";

const spec = z.record(z.string(), z.unknown());

/** The PeerAuthentication kind. */
export const peerAuthenticationKind = defineKind({
  kind: "PeerAuthentication",
  group: "security.istio.io",
  versions: ["v1", "v1beta1"],
  schema: spec,
  specRequired: true,
});

/** A PeerAuthentication spec as validated. */
export type PeerAuthenticationSpec = z.output<typeof spec>;
