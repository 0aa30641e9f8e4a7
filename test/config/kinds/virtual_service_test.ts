import assert from "node:assert/strict";
import { virtualServiceKind } from "../../../gateway/config/kinds/networking/virtual_service.ts";
import type { Diagnostic } from "../../../gateway/config/diagnostics.ts";
import { loadConfigTexts } from "../../../gateway/config/load.ts";
import { re2Error } from "../../../gateway/config/schema/regex.ts";
import { errorsOf, loadYaml, warningsOf } from "../../helpers/config.ts";
import { listCorpusYaml, VALIDATION_DATASET } from "../../helpers/corpus.ts";
import { resourceHeader, testResource } from "../../helpers/kind_cases.ts";

const header = resourceHeader(testResource(virtualServiceKind, "vs", "default"));

/** A VirtualService bound to a gateway, with `body` appended under `spec:` (indented two spaces). */
function gatewayVs(body: string): string {
  return header + "spec:\n  hosts: [a.example.com]\n  gateways: [gw]\n" + body + "\n";
}

function vsDiagnostics(files: string[]): Diagnostic[] {
  const texts = files.map((file) => ({ file, text: Deno.readTextFileSync(file) }));
  return loadConfigTexts(texts).diagnostics.filter((d) =>
    d.severity === "error" && d.resource.startsWith("VirtualService ")
  );
}

Deno.test("VirtualService: real samples load without errors", async (t) => {
  await t.step("bookinfo networking samples", () => {
    const files = listCorpusYaml("istio-istio/samples/bookinfo/networking");
    assert.ok(files.length > 10);
    assert.deepEqual(vsDiagnostics(files), []);
  });
  await t.step("all istio samples and istio.io task snippets", () => {
    const files = [
      ...listCorpusYaml("istio-istio/samples"),
      ...listCorpusYaml("istio.io"),
    ];
    assert.deepEqual(vsDiagnostics(files), []);
  });
  await t.step("istio's validation dataset (v1, v1beta1, v1alpha3)", () => {
    const files = listCorpusYaml(VALIDATION_DATASET).filter((f) => f.includes("VirtualService"));
    assert.equal(files.length, 3);
    assert.deepEqual(vsDiagnostics(files), []);
  });
  await t.step("a valid gateway VirtualService loads with typed routes", () => {
    const r = loadYaml(gatewayVs(`  http:
  - name: r1
    match: [{uri: {prefix: /api}, headers: {x-user: {exact: jason}}}]
    route:
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
      weight: 80
    - destination: {host: reviews, subset: v1}
      weight: 20
    timeout: 0.5s
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,503,retriable-status-codes"}
  - redirect: {uri: /new, redirectCode: 302}
  tls:
  - match: [{sniHosts: [a.example.com]}]
    route: [{destination: {host: nginx}}]
  tcp:
  - route: [{destination: {host: db, port: {number: 3306}}}]`));
    assert.deepEqual(errorsOf(r), []);
    const spec = r.config.virtualServices[0].spec;
    assert.equal(spec.http?.[0].route?.[1].weight, 20);
    assert.equal(spec.http?.[0].match?.[0].headers?.["x-user"].exact, "jason");
    assert.equal(spec.http?.[1].redirect?.redirectCode, 302);
    assert.equal(spec.tls?.[0].match[0].sniHosts[0], "a.example.com");
  });
});

Deno.test("VirtualService: schema", async (t) => {
  // Enum and type messages are only asserted up to the offending value: how zod issues quote the input is up to
  // validate_resource.ts.
  const cases: [string, string, string][] = [
    [
      "  http:\n  - bogus: 1\n    route: [{destination: {host: a}}]",
      "spec.http[0].bogus",
      'unknown field "bogus"',
    ],
    ["  http:\n  - route: [{weight: 1}]", "spec.http[0].route[0].destination", "Required value"],
    [
      "  http:\n  - redirect: {uri: /x, port: 8080, derivePort: FROM_REQUEST_PORT}",
      "spec.http[0].redirect",
      "only one of port or derivePort may be set",
    ],
    [
      "  http:\n  - redirect: {uri: /x, derivePort: SOMETIMES}",
      "spec.http[0].redirect.derivePort",
      "Unsupported value: ",
    ],
    [
      "  http:\n  - match: [{uri: {exact: /a, prefix: /b}}]\n    route: [{destination: {host: a}}]",
      "spec.http[0].match[0].uri",
      "only one of exact, prefix or regex may be set",
    ],
    [
      "  http:\n  - route: [{destination: {host: a}}]\n    timeout: 10",
      "spec.http[0].timeout",
      "",
    ],
    [
      "  http:\n  - route: [{destination: {host: a}}]\n    timeout: 0s",
      "spec.http[0].timeout",
      "must be a valid duration greater than 1ms",
    ],
    ["  tls:\n  - route: [{destination: {host: a}}]", "spec.tls[0].match", "Required value"],
    [
      "  http:\n  - directResponse: {status: 200, body: {bytes: '***'}}",
      "spec.http[0].directResponse.body.bytes",
      "must be base64 encoded bytes",
    ],
    [
      "  http:\n  - route: [{destination: {host: a}}]\n    corsPolicy: {unmatchedPreflights: DROP}",
      "spec.http[0].corsPolicy.unmatchedPreflights",
      "Unsupported value: ",
    ],
  ];
  for (const [body, path, message] of cases) {
    await t.step(`${path}: ${message}`, () => expectError(gatewayVs(body), path, message));
  }
  await t.step("nullable wrappers read null as unset", () => {
    const r = loadYaml(gatewayVs(
      "  http:\n  - route: [{destination: {host: a}}]\n    corsPolicy: {allowCredentials: null}\n    mirrorPercent: null",
    ));
    assert.deepEqual(errorsOf(r), []);
    assert.equal(r.config.virtualServices[0].spec.http?.[0].corsPolicy?.allowCredentials, undefined);
  });
});

function expectError(yaml: string, path: string, message: string): void {
  const errors = errorsOf(loadYaml(yaml));
  assert.ok(
    errors.some((e) => e.includes(`: ${path}: ${message}`)),
    `expected "${path}: ${message}" in:\n${errors.join("\n")}`,
  );
}

function expectWarning(yaml: string, path: string, message: string): void {
  const r = loadYaml(yaml);
  assert.deepEqual(errorsOf(r), []);
  const warnings = warningsOf(r);
  assert.ok(
    warnings.some((e) => e.includes(`: ${path}: ${message}`)),
    `expected warning "${path}: ${message}" in:\n${warnings.join("\n")}`,
  );
}

const ROUTE = "route: [{destination: {host: a}}]";

Deno.test("VirtualService: top-level webhook rules", async (t) => {
  const cases: [string, string, string, string][] = [
    ["no routes", "hosts: [a.com]", "spec", "http, tcp or tls must be provided in virtual service"],
    [
      "duplicate host",
      `hosts: [a.com, b.com, a.com]\n  http: [{${ROUTE}}]`,
      "spec.hosts[2]",
      "duplicate hosts in virtual service: a.com & a.com",
    ],
    [
      "wildcard duplicate host",
      `hosts: ["*.foo.com", "bar.foo.com"]\n  http: [{${ROUTE}}]`,
      "spec.hosts[1]",
      "duplicate hosts in virtual service: *.foo.com & bar.foo.com",
    ],
    [
      "bad host",
      `hosts: [foo_bar.com]\n  http: [{${ROUTE}}]`,
      "spec.hosts[0]",
      'domain name "foo_bar.com" invalid (label "foo_bar" invalid)',
    ],
    [
      "wildcard not left-most",
      `hosts: ["foo.*.com"]\n  http: [{${ROUTE}}]`,
      "spec.hosts[0]",
      'domain name "*.com" invalid (label "*" invalid)',
    ],
    [
      "numeric top-level domain",
      `hosts: [a.b.123]\n  http: [{${ROUTE}}]`,
      "spec.hosts[0]",
      'domain name "b.123" invalid (top level domain "123" cannot be all-numeric)',
    ],
    ["empty host", `hosts: [""]\n  http: [{${ROUTE}}]`, "spec.hosts[0]", "empty domain name not allowed"],
    [
      "* for the mesh",
      `hosts: ["*"]\n  http: [{${ROUTE}}]`,
      "spec.hosts[0]",
      "wildcard host * is not allowed for virtual services bound to the mesh gateway",
    ],
    [
      "* for a gateway that also lists mesh",
      `hosts: ["*"]\n  gateways: [gw, mesh]\n  http: [{${ROUTE}}]`,
      "spec.hosts[0]",
      "wildcard host * is not allowed for virtual services bound to the mesh gateway",
    ],
    [
      "bad gateway namespace",
      `hosts: [a.com]\n  gateways: [Bad_NS/gw]\n  http: [{${ROUTE}}]`,
      "spec.gateways[0]",
      'invalid value for namespace: "Bad_NS"',
    ],
    [
      "bad gateway name",
      `hosts: [a.com]\n  gateways: [ns/g_w]\n  http: [{${ROUTE}}]`,
      "spec.gateways[0]",
      'invalid value for gateway name: "g_w"',
    ],
    [
      "wildcard gateway name",
      `hosts: [a.com]\n  gateways: ["ns/*"]\n  http: [{${ROUTE}}]`,
      "spec.gateways[0]",
      'invalid value for gateway name: "*"',
    ],
    [
      "empty gateway namespace",
      `hosts: [a.com]\n  gateways: [/gw]\n  http: [{${ROUTE}}]`,
      "spec.gateways[0]",
      "config namespace and gateway name cannot be empty",
    ],
    [
      "bad short gateway name",
      `hosts: [a.com]\n  gateways: [g_w]\n  http: [{${ROUTE}}]`,
      "spec.gateways[0]",
      'domain name "g_w" invalid (label "g_w" invalid)',
    ],
    [
      "delegate with gateways",
      `gateways: [gw]\n  http: [{${ROUTE}}]`,
      "spec.gateways",
      "delegate virtual service must have no gateways specified",
    ],
    [
      "delegate with tcp",
      `tcp: [{${ROUTE}}]`,
      "spec.tcp",
      "delegate virtual service must have no tcp route specified",
    ],
    [
      "delegate with tls",
      `tls: [{match: [{sniHosts: [a.com]}], ${ROUTE}}]`,
      "spec.tls",
      "delegate virtual service must have no tls route specified",
    ],
    [
      "JWT claim route for the mesh",
      `hosts: [a.com]\n  http:\n  - match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]\n    ${ROUTE}`,
      'spec.http[0].match[0].headers["@request.auth.claims.group"]',
      "JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []",
    ],
    [
      "exportTo duplicate",
      `hosts: [a.com]\n  http: [{${ROUTE}}]\n  exportTo: [default, "."]`,
      "spec.exportTo[1]",
      "duplicate entries in exportTo: . and current namespace default",
    ],
    [
      "exportTo * with others",
      `hosts: [a.com]\n  http: [{${ROUTE}}]\n  exportTo: ["*", foo]`,
      "spec.exportTo",
      "cannot have both public (*) and non-public exportTo values for a resource",
    ],
    [
      "exportTo ~",
      `hosts: [a.com]\n  http: [{${ROUTE}}]\n  exportTo: ["~"]`,
      "spec.exportTo[0]",
      "exportTo ~ (none) is not allowed for Istio configuration objects",
    ],
  ];
  for (const [name, body, path, message] of cases) {
    await t.step(name, () => expectError(header + "spec:\n  " + body + "\n", path, message));
  }
  await t.step("accepted: short names, IPs, * with a gateway, ns/name and mesh gateways", () => {
    const r = loadYaml(
      header +
        `spec:\n  hosts: [reviews, 10.0.0.1]\n  gateways: [istio-system/gw, mesh2]\n  http: [{${ROUTE}}]\n`,
    );
    assert.deepEqual(errorsOf(r), []);
    const r2 = loadYaml(
      header +
        `spec:\n  hosts: [reviews, "*.example.com", a.org]\n  gateways: [mesh]\n  http: [{${ROUTE}}]\n`,
    );
    assert.deepEqual(errorsOf(r2), []);
  });
  await t.step("a delegate VirtualService needs no hosts", () => {
    assert.deepEqual(errorsOf(loadYaml(header + `spec:\n  http: [{${ROUTE}}]\n`)), []);
  });
  await t.step("legacy gateway name format warns", () => {
    expectWarning(
      header + `spec:\n  hosts: [a.com]\n  gateways: [gw.istio-system]\n  http: [{${ROUTE}}]\n`,
      "spec.gateways[0]",
      'using legacy gatewayName format "gw.istio-system"; prefer the <namespace>/<name> format: "istio-system/gw"',
    );
  });
});

Deno.test("VirtualService: HTTP route webhook rules", async (t) => {
  const cases: [string, string, string, string][] = [
    [
      "route + redirect",
      `- redirect: {uri: /x}\n    ${ROUTE}`,
      "spec.http[0].route",
      "HTTP route cannot contain both route and redirect",
    ],
    [
      "route + directResponse",
      `- directResponse: {status: 503}\n    ${ROUTE}`,
      "spec.http[0].route",
      "HTTP route cannot contain both route and direct_response",
    ],
    [
      "redirect + directResponse",
      "- redirect: {uri: /x}\n    directResponse: {status: 503}",
      "spec.http[0].directResponse",
      "HTTP route rule cannot contain both direct_response and redirect",
    ],
    [
      "rewrite + redirect",
      "- redirect: {uri: /x}\n    rewrite: {uri: /y}",
      "spec.http[0].rewrite",
      "HTTP route rule cannot contain both rewrite and redirect",
    ],
    [
      "rewrite + directResponse",
      "- directResponse: {status: 503}\n    rewrite: {uri: /y}",
      "spec.http[0].rewrite",
      "HTTP route rule cannot contain both rewrite and direct_response",
    ],
    [
      "fault + redirect",
      "- redirect: {uri: /x}\n    fault: {abort: {httpStatus: 500}}",
      "spec.http[0].fault",
      "HTTP route cannot contain both fault and redirect",
    ],
    [
      "fault + directResponse",
      "- directResponse: {status: 503}\n    fault: {abort: {httpStatus: 500}}",
      "spec.http[0].fault",
      "HTTP route cannot contain both fault and direct_response",
    ],
    [
      "mirror + mirrors",
      `- ${ROUTE}\n    mirror: {host: b}\n    mirrors: [{destination: {host: c}}]`,
      "spec.http[0].mirrors",
      "HTTP route cannot contain both mirror and mirrors",
    ],
    ["nothing to do", "- name: empty", "spec.http[0]", "HTTP route, redirect or direct_response is required"],
    [
      "root delegate with route",
      `- name: root\n    delegate: {name: d}\n    ${ROUTE}`,
      "spec.http[0].route",
      "root HTTP route root must not specify route",
    ],
    [
      "root delegate with redirect",
      "- name: root\n    delegate: {name: d}\n    redirect: {uri: /x}",
      "spec.http[0].redirect",
      "root HTTP route root must not specify redirect",
    ],
    [
      "negative weight",
      `- ${ROUTE}\n  - route:\n    - destination: {host: a}\n      weight: -1\n    - destination: {host: b}\n      weight: 1`,
      "spec.http[1].route[0].weight",
      "weight -1 < 0",
    ],
    [
      "zero total weight",
      "- route:\n    - destination: {host: a}\n      weight: 0\n    - destination: {host: b}",
      "spec.http[0].route",
      "total destination weight = 0",
    ],
    [
      "destination host *",
      "- route: [{destination: {host: '*'}}]",
      "spec.http[0].route[0].destination.host",
      "invalid destination host *",
    ],
    [
      "bad destination host",
      "- route: [{destination: {host: 'a..b'}}]",
      "spec.http[0].route[0].destination.host",
      'domain name ".b" invalid (label "" invalid)',
    ],
    [
      "bad subset",
      "- route: [{destination: {host: a, subset: v_1}}]",
      "spec.http[0].route[0].destination.subset",
      "subset name is invalid: v_1",
    ],
    [
      "destination port 0",
      "- route: [{destination: {host: a, port: {}}}]",
      "spec.http[0].route[0].destination.port.number",
      "port number 0 must be in the range 1..65535",
    ],
    [
      "mirror destination",
      `- ${ROUTE}\n    mirror: {host: '*'}`,
      "spec.http[0].mirror.host",
      "invalid destination host *",
    ],
    [
      "mirrorPercentage > 100",
      `- ${ROUTE}\n    mirror: {host: b}\n    mirrorPercentage: {value: 150}`,
      "spec.http[0].mirrorPercentage.value",
      "mirror_percentage must have a max value of 100 (it has 150.000000)",
    ],
    [
      "mirrorPercentage < 0",
      `- ${ROUTE}\n    mirror: {host: b}\n    mirrorPercentage: {value: -1}`,
      "spec.http[0].mirrorPercentage.value",
      "mirror_percentage must have a min value of 0 (it has -1.000000)",
    ],
    [
      "mirrorPercent > 100",
      `- ${ROUTE}\n    mirror: {host: b}\n    mirrorPercent: 101`,
      "spec.http[0].mirrorPercent",
      "mirror_percent must have a max value of 100 (it has 101)",
    ],
    [
      "mirrors percentage > 100",
      `- ${ROUTE}\n    mirrors: [{destination: {host: c}, percentage: {value: 101}}]`,
      "spec.http[0].mirrors[0].percentage.value",
      "mirror percentage must have a max value of 100 (it has 101.000000)",
    ],
    [
      "timeout below ms precision",
      `- ${ROUTE}\n    timeout: 1500us`,
      "spec.http[0].timeout",
      "only durations to ms precision are supported",
    ],
  ];
  for (const [name, body, path, message] of cases) {
    await t.step(name, () => expectError(gatewayVs("  http:\n  " + body), path, message));
  }
  await t.step("a single destination may have weight 0; a delegate route may not delegate", () => {
    assert.deepEqual(
      errorsOf(loadYaml(gatewayVs("  http:\n  - route: [{destination: {host: a}, weight: 0}]"))),
      [],
    );
    expectError(
      header + "spec:\n  http:\n  - delegate: {name: x}\n    " + ROUTE + "\n",
      "spec.http[0].delegate",
      "delegate HTTP route cannot contain delegate",
    );
  });
  await t.step("deprecated mirrorPercent warns", () => {
    expectWarning(
      gatewayVs(`  http:\n  - ${ROUTE}\n    mirror: {host: b}\n    mirrorPercent: 50`),
      "spec.http[0].mirrorPercent",
      'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
    );
  });
});

Deno.test("VirtualService: matches, string matches and regexes", async (t) => {
  const long = "a".repeat(1025);
  const cases: [string, string, string, string][] = [
    [
      "invalid RE2",
      "uri: {regex: '(abc'}",
      "spec.http[0].match[0].uri.regex",
      '"uri": error parsing regexp: missing closing ): `(abc`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    ],
    [
      "lookahead is not RE2",
      "headers: {x-a: {regex: '(?=a)b'}}",
      "spec.http[0].match[0].headers.x-a.regex",
      '"headers": error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    ],
    [
      "regex too long",
      `authority: {regex: ${long}}`,
      "spec.http[0].match[0].authority.regex",
      '"authority": regex is too large, max length allowed is 1024',
    ],
    [
      "empty regex",
      "uri: {regex: ''}",
      "spec.http[0].match[0].uri.regex",
      '"uri": regex string match should not be empty',
    ],
    [
      "empty prefix on method",
      "method: {prefix: ''}",
      "spec.http[0].match[0].method.prefix",
      '"method": prefix string match should not be empty',
    ],
    [
      "empty prefix on query param",
      "queryParams: {q: {prefix: ''}}",
      "spec.http[0].match[0].queryParams.q.prefix",
      '"queryParams": prefix string match should not be empty',
    ],
    [
      "bad header name",
      "headers: {'x y': {exact: a}}",
      'spec.http[0].match[0].headers["x y"]',
      "header name x y is not a valid header name",
    ],
    [
      "bad withoutHeaders regex",
      "withoutHeaders: {x-a: {regex: '['}}",
      "spec.http[0].match[0].withoutHeaders.x-a.regex",
      '"withoutHeaders": error parsing regexp: missing closing ]: `[`',
    ],
    [
      "match port",
      "port: 70000",
      "spec.http[0].match[0].port",
      "port number 70000 must be in the range 1..65535",
    ],
    [
      "source labels",
      "sourceLabels: {'a b': c}",
      "spec.http[0].match[0].sourceLabels",
      'invalid tag key: "a b"',
    ],
    [
      "match gateways",
      "gateways: [ns/g_w]",
      "spec.http[0].match[0].gateways[0]",
      'invalid value for gateway name: "g_w"',
    ],
    [
      "source namespace",
      "sourceNamespace: bad_ns",
      "spec.http[0].match[0].sourceNamespace",
      "sourceNamespace match bad_ns is invalid",
    ],
  ];
  for (const [name, match, path, message] of cases) {
    await t.step(
      name,
      () => expectError(gatewayVs(`  http:\n  - match: [{${match}}]\n    ${ROUTE}`), path, message),
    );
  }
  await t.step(
    "accepted: uri prefix '', withoutHeaders regex *, pseudo headers, JWT claims at a gateway",
    () => {
      const r = loadYaml(gatewayVs(
        `  http:\n  - match:\n    - uri: {prefix: ""}\n      withoutHeaders: {x-a: {regex: "*"}}\n      headers: {":authority": {exact: a}, "@request.auth.claims[group]": {exact: g}}\n    ${ROUTE}`,
      ));
      assert.deepEqual(errorsOf(r), []);
    },
  );
  await t.step("re2Error", () => {
    assert.equal(re2Error("^/api/v[0-9]+/.*$"), undefined);
    assert.equal(re2Error("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
  });
});

Deno.test("VirtualService: redirect, rewrite, direct response, headers", async (t) => {
  const cases: [string, string, string, string][] = [
    [
      "empty redirect",
      "redirect: {}",
      "spec.http[0].redirect",
      "redirect must specify URI, authority, scheme, or port",
    ],
    [
      "uri + prefixRewrite",
      "redirect: {uri: /a, prefixRewrite: /b}",
      "spec.http[0].redirect",
      "redirect may only specify one of uri or prefix_rewrite",
    ],
    [
      "prefixRewrite with exact match",
      "match: [{uri: {exact: /a}}]\n    redirect: {prefixRewrite: /b}",
      "spec.http[0].redirect.prefixRewrite",
      "redirect prefix_rewrite requires all URI matches to use prefix match type",
    ],
    [
      "redirect code",
      "redirect: {uri: /a, redirectCode: 200}",
      "spec.http[0].redirect.redirectCode",
      "200 is not a valid redirect code, must be 3xx",
    ],
    [
      "redirect scheme",
      "redirect: {scheme: ftp}",
      "spec.http[0].redirect.scheme",
      'invalid redirect scheme, must be "http" or "https"',
    ],
    [
      "redirect port",
      "redirect: {port: 70000}",
      "spec.http[0].redirect.port",
      "port number 70000 must be in the range 1..65535",
    ],
    [
      "rewrite uri + regex",
      `rewrite: {uri: /a, uriRegexRewrite: {match: a, rewrite: b}}\n    ${ROUTE}`,
      "spec.http[0].rewrite",
      "rewrite may only contain one of URI or UriRegexRewrite",
    ],
    [
      "empty rewrite",
      `rewrite: {}\n    ${ROUTE}`,
      "spec.http[0].rewrite",
      "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified",
    ],
    [
      "regex rewrite without rewrite",
      `rewrite: {uriRegexRewrite: {match: a}}\n    ${ROUTE}`,
      "spec.http[0].rewrite.uriRegexRewrite",
      "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified",
    ],
    [
      "regex rewrite bad regex",
      `rewrite: {uriRegexRewrite: {match: '(', rewrite: b}}\n    ${ROUTE}`,
      "spec.http[0].rewrite.uriRegexRewrite.match",
      'UriRegexRewrite has errors: "HTTPRewrite.UriRegexRewrite.Match": error parsing regexp: missing closing ): `(`',
    ],
    [
      "direct response status",
      "directResponse: {status: 100}",
      "spec.http[0].directResponse.status",
      "HTTP status 100 is not in range 200-599",
    ],
    [
      "authority set twice",
      `rewrite: {authority: a.com}\n    headers: {request: {set: {host: b.com}}}\n    ${ROUTE}`,
      "spec.http[0].headers.request.set.host",
      'authority header cannot be set multiple times: have "a.com", attempting to set "b.com"',
    ],
    [
      "pseudo header set",
      `headers: {request: {set: {":path": /x}}}\n    ${ROUTE}`,
      'spec.http[0].headers.request.set[":path"]',
      'invalid header ":path": header cannot have ":" prefix',
    ],
    [
      "host removed",
      `headers: {request: {remove: [Host]}}\n    ${ROUTE}`,
      "spec.http[0].headers.request.remove[0]",
      'invalid header "Host": cannot set Host header',
    ],
    [
      "response authority",
      `headers: {response: {add: {":authority": x}}}\n    ${ROUTE}`,
      'spec.http[0].headers.response.add[":authority"]',
      'invalid header ":authority": header cannot have ":" prefix',
    ],
    [
      "per-destination header value",
      "route: [{destination: {host: a}, headers: {request: {set: {x-a: '%BAD'}}}}]",
      "spec.http[0].route[0].headers.request.set.x-a",
      "header value configuration: invalid header configuration. Un-terminated variable expression '%BAD'",
    ],
    [
      "header value with a lone %",
      `headers: {response: {set: {x-a: '100%'}}}\n    ${ROUTE}`,
      "spec.http[0].headers.response.set.x-a",
      "header value configuration: invalid header configuration. Un-escaped %",
    ],
  ];
  for (const [name, body, path, message] of cases) {
    await t.step(name, () => expectError(gatewayVs(`  http:\n  - ${body}`), path, message));
  }
  await t.step("accepted: setting :authority once, Envoy variables, 100%%", () => {
    const r = loadYaml(gatewayVs(
      `  http:\n  - headers: {request: {set: {":authority": a.com, x-h: "%HOSTNAME%", x-p: "100%%", x-r: "%REQ(x-a)%"}}}\n    ${ROUTE}`,
    ));
    assert.deepEqual(errorsOf(r), []);
  });
});

Deno.test("VirtualService: retries, fault injection, CORS", async (t) => {
  const cases: [string, string, string, string][] = [
    [
      "negative attempts",
      "retries: {attempts: -1}",
      "spec.http[0].retries.attempts",
      "attempts cannot be negative",
    ],
    [
      "policy with attempts 0",
      "retries: {retryOn: 5xx}",
      "spec.http[0].retries",
      "http retry policy configured when attempts are set to 0 (disabled)",
    ],
    [
      "unknown retryOn",
      "retries: {attempts: 2, retryOn: '5xx,bogus,999'}",
      "spec.http[0].retries.retryOn",
      '"bogus" is not a valid retryOn policy',
    ],
    [
      "unknown status code in retryOn",
      "retries: {attempts: 2, retryOn: '999'}",
      "spec.http[0].retries.retryOn",
      '"999" is not a valid retryOn policy',
    ],
    [
      "perTryTimeout precision",
      "retries: {attempts: 2, perTryTimeout: 1.0005s}",
      "spec.http[0].retries.perTryTimeout",
      "only durations to ms precision are supported",
    ],
    [
      "empty fault",
      "fault: {}",
      "spec.http[0].fault",
      "HTTP fault injection must have an abort and/or a delay",
    ],
    [
      "exponential delay",
      "fault: {delay: {exponentialDelay: 1s}}",
      "spec.http[0].fault.delay.exponentialDelay",
      "exponentialDelay not supported yet",
    ],
    [
      "http2 abort",
      "fault: {abort: {http2Error: CANCEL}}",
      "spec.http[0].fault.abort.http2Error",
      "HTTP/2 abort fault injection not supported yet",
    ],
    [
      "bad grpc status",
      "fault: {abort: {grpcStatus: NOPE}}",
      "spec.http[0].fault.abort.grpcStatus",
      "gRPC status \"NOPE\" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'",
    ],
    [
      "abort status",
      "fault: {abort: {httpStatus: 700}}",
      "spec.http[0].fault.abort.httpStatus",
      "HTTP status 700 is not in range 200-599",
    ],
    [
      "percentage > 100",
      "fault: {delay: {fixedDelay: 1s, percentage: {value: 101}}}",
      "spec.http[0].fault.delay.percentage.value",
      "percentage 101 is neither 0.0, nor in range [0.0001, 100.0]",
    ],
    [
      "tiny percentage",
      "fault: {abort: {httpStatus: 500, percentage: {value: 0.00001}}}",
      "spec.http[0].fault.abort.percentage.value",
      "percentage 1e-05 is neither 0.0, nor in range [0.0001, 100.0]",
    ],
    [
      "empty CORS origin",
      "corsPolicy: {allowOrigins: [{exact: ''}]}",
      "spec.http[0].corsPolicy.allowOrigins[0]",
      "'' is not a valid match type for CORS allow origins",
    ],
    [
      "bad CORS origin regex",
      "corsPolicy: {allowOrigins: [{regex: '*.com'}]}",
      "spec.http[0].corsPolicy.allowOrigins[0].regex",
      '"corsPolicy.allowOrigins": error parsing regexp: missing argument to repetition operator: `*`',
    ],
    [
      "CORS method",
      "corsPolicy: {allowMethods: [get]}",
      "spec.http[0].corsPolicy.allowMethods[0]",
      '"get" is not a supported HTTP method',
    ],
    [
      "CORS header",
      "corsPolicy: {exposeHeaders: ['a b']}",
      "spec.http[0].corsPolicy.exposeHeaders[0]",
      "header name a b is not a valid header name",
    ],
    [
      "CORS maxAge precision",
      "corsPolicy: {maxAge: 1500ms}",
      "spec.http[0].corsPolicy.maxAge",
      "max_age duration is accurate only to seconds precision",
    ],
  ];
  for (const [name, body, path, message] of cases) {
    await t.step(name, () => expectError(gatewayVs(`  http:\n  - ${body}\n    ${ROUTE}`), path, message));
  }
  await t.step("accepted: numeric retryOn codes, gRPC conditions, CORS *", () => {
    const r = loadYaml(gatewayVs(
      `  http:\n  - retries: {attempts: 3, retryOn: "gateway-error,503,unavailable,reset-before-request"}\n    corsPolicy: {allowOrigins: [{prefix: "https://"}], allowMethods: ["*", POST], allowHeaders: ["*"], maxAge: 24h}\n    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0}}}\n    ${ROUTE}`,
    ));
    assert.deepEqual(errorsOf(r), []);
  });
});

Deno.test("VirtualService: TLS and TCP routes", async (t) => {
  const cases: [string, string, string, string][] = [
    [
      "no TLS match",
      `tls: [{match: [], ${ROUTE}}]`,
      "spec.tls[0].match",
      "TLS route must have at least one match condition",
    ],
    [
      "no SNI",
      `tls: [{match: [{sniHosts: []}], ${ROUTE}}]`,
      "spec.tls[0].match[0].sniHosts",
      "TLS match must have at least one SNI host",
    ],
    [
      "SNI outside hosts",
      `tls: [{match: [{sniHosts: [b.example.com]}], ${ROUTE}}]`,
      "spec.tls[0].match[0].sniHosts[0]",
      'SNI host "b.example.com" is not a compatible subset of any of the virtual service hosts: [a.example.com]',
    ],
    ["no TLS route", "tls: [{match: [{sniHosts: [a.example.com]}]}]", "spec.tls[0]", "TLS route is required"],
    [
      "bad destination subnet",
      `tls: [{match: [{sniHosts: [a.example.com], destinationSubnets: [10.0.0.0/33]}], ${ROUTE}}]`,
      "spec.tls[0].match[0].destinationSubnets[0]",
      "10.0.0.0/33 is not a valid CIDR block",
    ],
    ["no TCP route", "tcp: [{match: [{port: 31400}]}]", "spec.tcp[0]", "TCP route is required"],
    [
      "TCP match subnet",
      `tcp: [{match: [{destinationSubnets: [not-an-ip]}], ${ROUTE}}]`,
      "spec.tcp[0].match[0].destinationSubnets[0]",
      "not-an-ip is not a valid IP",
    ],
    [
      "TCP weights",
      "tcp: [{route: [{destination: {host: a}, weight: -5}]}]",
      "spec.tcp[0].route[0].weight",
      "weight -5 < 0",
    ],
    [
      "TCP match port",
      `tcp: [{match: [{port: 65536}], ${ROUTE}}]`,
      "spec.tcp[0].match[0].port",
      "port number 65536 must be in the range 1..65535",
    ],
  ];
  for (const [name, body, path, message] of cases) {
    await t.step(name, () => expectError(gatewayVs(`  ${body}`), path, message));
  }
  await t.step("accepted: SNI within a wildcard host, AUTO_PASSTHROUGH names", () => {
    const r = loadYaml(
      header +
        `spec:\n  hosts: ["*.example.com", "outbound_.80_._.svc.cluster.local"]\n  gateways: [gw]\n  tls:\n  - match: [{sniHosts: [a.example.com, "outbound_.80_._.svc.cluster.local"]}]\n    ${ROUTE}\n`,
    );
    assert.deepEqual(errorsOf(r), []);
  });
  await t.step("an IP SNI host warns", () => {
    const r = loadYaml(gatewayVs(`  tls: [{match: [{sniHosts: [10.0.0.1]}], ${ROUTE}}]`));
    assert.ok(warningsOf(r).some((w) => w.includes("goes against SNI spec")), warningsOf(r).join("\n"));
  });
});

Deno.test("VirtualService: unreachable rule warnings", async (t) => {
  await t.step("rule after a catch-all", () => {
    expectWarning(
      gatewayVs(`  http:\n  - ${ROUTE}\n  - name: late\n    ${ROUTE}`),
      "spec.http[1]",
      'virtualService rule "late" not used (only the last rule can have no matches)',
    );
  });
  await t.step("duplicate match", () => {
    expectWarning(
      gatewayVs(
        `  http:\n  - match: [{uri: {exact: /a}}]\n    ${ROUTE}\n  - match: [{uri: {exact: /a}, name: again}]\n    ${ROUTE}`,
      ),
      "spec.http[1].match[0]",
      'virtualService rule #1 match "again" is not used (duplicate/overlapping match in rule #0)',
    );
  });
  await t.step("prefix shadowed by a shorter prefix", () => {
    expectWarning(
      gatewayVs(
        `  http:\n  - match: [{uri: {prefix: /api}}]\n    ${ROUTE}\n  - match: [{uri: {prefix: /api/v1}}]\n    ${ROUTE}`,
      ),
      "spec.http[1].match[0]",
      "virtualService rule #1 match #0 of prefix /api/v1 is not used (duplicate/overlapping match in rule #0 of prefix /api on #0)",
    );
  });
});
