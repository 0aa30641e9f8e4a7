/**
 * The HTTP filters an Istio gateway runs before the router, in Istio's order (istio/istio #46899, #51173):
 * ext_authz (AuthorizationPolicy CUSTOM), Wasm plugins of phase AUTHN, jwt_authn (RequestAuthentication), Wasm
 * plugins of phase AUTHZ, RBAC (AuthorizationPolicy DENY, then ALLOW), then the STATS and phase-less Wasm
 * plugins; the router comes last. A filter that clears the route cache, or a verified token (its claims can
 * select routes), makes the route be selected again.
 * @module
 */
import type { AuthzAttributes } from "../compile/authz/types.ts";
import { runFilterChain } from "../extensions/filter_chain.ts";
import type { ChainSlot } from "../extensions/plugin_manager.ts";
import { authzAttributes } from "../security/authz/attributes.ts";
import { checkCustom } from "../security/authz/custom.ts";
import { evaluateRbac, rbacDenial } from "../security/authz/rbac.ts";
import { jwtAuthn } from "../optional_modules.ts";
import type { Router, RouteRequest, SelectedRoute } from "./route_request.ts";
import { addressesOf, edgeRequest } from "./edge_request.ts";
import { StreamInfo } from "./stream_info.ts";

/** The rest of the filters and the router, after one filter. */
type Stage = (rr: RouteRequest) => Promise<Response> | Response;

/** A port's Wasm chain cut at the built-in filters: before jwt_authn, before RBAC, and after RBAC. */
interface PhasedChain {
  readonly authn: readonly ChainSlot[];
  readonly authz: readonly ChainSlot[];
  readonly late: readonly ChainSlot[];
}

const NO_PLUGINS: PhasedChain = { authn: [], authz: [], late: [] };
const PHASED = new WeakMap<readonly ChainSlot[], PhasedChain>();

/** Runs `rr` through the gateway's HTTP filters (with the port's Wasm `chain`, if any) to the router. */
export async function runHttpFilters(
  rr: RouteRequest,
  chain: readonly ChainSlot[] | undefined,
  router: Router,
): Promise<Response> {
  rr = atEdge(rr);
  const custom = rr.snapshot.authz?.custom;
  if (!custom) return await afterExtAuthz(rr, chain, router);
  const { options } = rr;
  const deps = {
    snapshot: rr.snapshot,
    endpoints: options.endpoints,
    clusters: options.clusters,
    send: rr.send,
  };
  const input = { req: rr.req, authority: rr.authority, fullPath: rr.fullPath };
  const outcome = await checkCustom(custom, attributesOf(rr), input, deps);
  if (!outcome.ok) {
    if (rr.si) {
      if (outcome.flag) rr.si.addFlag(outcome.flag);
      rr.si.details = outcome.details;
    }
    return outcome.response;
  }
  const res = await afterExtAuthz(outcome.req !== rr.req ? { ...rr, req: outcome.req } : rr, chain, router);
  // A WebSocket upgrade's response cannot take headers.
  if (res.status !== 101) {
    for (const [name, value] of outcome.responseHeaders) res.headers.append(name, value);
  }
  return res;
}

function afterExtAuthz(
  rr: RouteRequest,
  chain: readonly ChainSlot[] | undefined,
  router: Router,
): Promise<Response> | Response {
  const phases = chain ? phased(chain) : NO_PLUGINS;
  const route: Stage = (r) => router.serve(r, r.route ?? router.select(r));
  const late: Stage = (r) => wasmPhase(r, phases.late, router, route);
  const rbac: Stage = (r) => authorize(r, late);
  const authz: Stage = (r) => wasmPhase(r, phases.authz, router, rbac);
  const jwt: Stage = (r) => authenticate(r, authz);
  return wasmPhase(rr, phases.authn, router, jwt);
}

function phased(chain: readonly ChainSlot[]): PhasedChain {
  let found = PHASED.get(chain);
  if (!found) {
    found = {
      authn: chain.filter((s) => s.spec.phase === "AUTHN"),
      authz: chain.filter((s) => s.spec.phase === "AUTHZ"),
      late: chain.filter((s) => s.spec.phase !== "AUTHN" && s.spec.phase !== "AUTHZ"),
    };
    PHASED.set(chain, found);
  }
  return found;
}

/**
 * Wasm plugins of one phase around the rest: the route is selected first (filters read `route_name`) and
 * kept unless a filter cleared the route cache.
 */
function wasmPhase(
  rr: RouteRequest,
  slots: readonly ChainSlot[],
  router: Router,
  next: Stage,
): Promise<Response> | Response {
  if (slots.length === 0) return next(rr);
  const si = rr.si ?? new StreamInfo();
  const selected: SelectedRoute = rr.route ?? router.select(rr);
  if (typeof selected !== "number") {
    si.routeName = selected.name;
    si.route = selected;
  }
  const fr = {
    req: rr.req,
    remote: rr.info.remoteAddr,
    authority: rr.authority,
    fullPath: rr.fullPath,
    scheme: rr.scheme,
    si,
    requestId: rr.requestId,
  };
  return runFilterChain(slots, fr, async (req, authority, fullPath, reroute) => {
    const q = fullPath.indexOf("?");
    return await next({
      ...rr,
      req,
      authority,
      fullPath,
      path: q < 0 ? fullPath : fullPath.slice(0, q),
      query: q < 0 ? "" : fullPath.slice(q + 1),
      si,
      route: reroute ? undefined : selected,
    });
  });
}

/**
 * The request as Envoy's connection manager passes it to the first filter: edge headers set (X-Forwarded-*,
 * `x-request-id`, `x-envoy-*` sanitizing), so filters, ext_authz servers and the upstream see the same ones.
 */
function atEdge(rr: RouteRequest): RouteRequest {
  const edge = edgeRequest(rr);
  return { ...rr, req: edge.req, requestId: edge.requestId, edge };
}

/**
 * RequestAuthentication: an invalid token is refused; a verified one's claims select the route anew. The JWT
 * code is loaded when a config with rules is applied; a handler given such a snapshot directly loads it here.
 */
async function authenticate(rr: RouteRequest, next: Stage): Promise<Response> {
  const rules = rr.snapshot.jwtRules;
  if (rules === undefined || rules.length === 0) return await next(rr);
  const jwt = jwtAuthn.loaded ?? await jwtAuthn.load();
  const authn = jwt.authenticatorFor(rr.snapshot);
  if (!authn) return await next(rr);
  const req = rr.req;
  const outcome = await jwt.checkJwt(authn, {
    method: req.method,
    scheme: rr.scheme,
    authority: rr.authority,
    fullPath: rr.fullPath,
    query: rr.query,
    header: (name) => req.headers.get(name),
  });
  if (!outcome.ok) {
    if (rr.si) rr.si.details = outcome.details;
    return outcome.response;
  }
  if (!outcome.auth) return await next(rr);
  const fullPath = jwt.pathAfterAuthn(rr.fullPath, outcome.auth);
  if (rr.si) rr.si.fullPath = fullPath;
  const q = fullPath.indexOf("?");
  return await next({
    ...rr,
    req: jwt.withAuthHeaders(req, outcome.auth),
    claims: outcome.auth.claims,
    fullPath,
    query: q < 0 ? "" : fullPath.slice(q + 1),
    route: undefined,
  });
}

/** AuthorizationPolicy's DENY and ALLOW rules (Envoy's RBAC filters). */
function authorize(rr: RouteRequest, next: Stage): Promise<Response> | Response {
  const authz = rr.snapshot.authz;
  if (authz !== undefined) {
    const decision = evaluateRbac(authz, attributesOf(rr));
    if (!decision.allowed) {
      const denial = rbacDenial(decision.policy);
      if (rr.si) rr.si.details = denial.details;
      return denial.response;
    }
  }
  return next(rr);
}

/** The attributes AuthorizationPolicy rules read from a request. */
function attributesOf(rr: RouteRequest): AuthzAttributes {
  return authzAttributes({
    req: rr.req,
    authority: rr.authority,
    path: rr.path,
    fullPath: rr.fullPath,
    scheme: rr.scheme,
    peer: rr.info.remoteAddr.hostname,
    localAddress: rr.options.localAddress ?? `0.0.0.0:${rr.options.port}`,
    addresses: addressesOf(rr),
    claims: rr.claims,
  });
}
