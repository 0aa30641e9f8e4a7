/**
 * Deterministic fuzzing of the config loader: the corpus YAML files, mutated by a seeded PRNG (byte flips, line
 * edits, scalars swapped for odd values, indentation changes, truncation, unicode, alias bombs, deep nesting, kind
 * swaps), must never make `loadConfigTexts` or `parseMeshConfig` throw, and every diagnostic must be located.
 *
 * Set `FUZZ_SEED` / `FUZZ_ITERATIONS` to explore further; failures print the seed, the iteration and a minimized input.
 */
import assert from "node:assert/strict";
import { type Diagnostic, formatDiagnostic } from "../../gateway/config/diagnostics.ts";
import { loadConfigTexts } from "../../gateway/config/load.ts";
import { parseMeshConfig } from "../../gateway/config/mesh/mod.ts";
import {
  corpusAvailable,
  listCorpusYaml,
  MISSING_CORPUS,
  readCorpus,
  relativeToCorpus,
} from "../helpers/corpus.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20260822);
const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 3000);

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

const ODD_SCALARS = [
  "{}",
  "[]",
  "null",
  "~",
  '""',
  "{a: 1}",
  "[1, [2, {b: c}]]",
  "99999999999999999999999999999",
  "-1",
  "1e400",
  "-0",
  ".nan",
  ".inf",
  "0x7fffffff",
  "0o777",
  "true",
  "yes",
  "'unterminated",
  '"\\u0000\\uffff"',
  "!!binary AAAA",
  "!!str 5",
  "!custom tag",
  "*undefined_alias",
  "&anchor 1",
  "|\n  block",
  ">-\n  folded",
  "2026-08-22T00:00:00Z",
  "1.5",
  "9007199254740993",
  "[" + "a,".repeat(200) + "]",
  "x".repeat(5000),
  "é漢字🙂\u202e\u200b",
  "*/*",
  "'*'",
  "0s",
  "-5s",
  "1h2m3.5s",
];

const UNICODE = [
  "\u0000",
  "\u0007",
  "\ufeff",
  "\u202e",
  "\u200b",
  "é",
  "漢",
  "🙂",
  "\ud800",
  "\udfff",
  "\r",
  "\t",
];

const ISTIO_KINDS = [
  "Gateway",
  "VirtualService",
  "DestinationRule",
  "ServiceEntry",
  "WorkloadEntry",
  "Sidecar",
  "AuthorizationPolicy",
  "RequestAuthentication",
  "PeerAuthentication",
  "Telemetry",
  "WasmPlugin",
  "TrafficExtension",
  "List",
  "ConfigMap",
];

const BILLION_LAUGHS = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;

type Mutator = (text: string, r: Rand, corpus: readonly string[]) => string;

const lines = (t: string) => t.split("\n");

const MUTATORS: Record<string, Mutator> = {
  byteFlip(t, r) {
    if (t.length === 0) return t;
    const i = int(r, t.length);
    return t.slice(0, i) + String.fromCharCode(int(r, 128)) + t.slice(i + 1);
  },
  deleteLine(t, r) {
    const ls = lines(t);
    ls.splice(int(r, ls.length), 1 + int(r, 3));
    return ls.join("\n");
  },
  duplicateLine(t, r) {
    const ls = lines(t);
    const i = int(r, ls.length);
    ls.splice(i, 0, ...ls.slice(i, i + 1 + int(r, 3)));
    return ls.join("\n");
  },
  swapLines(t, r) {
    const ls = lines(t);
    const i = int(r, ls.length), j = int(r, ls.length);
    [ls[i], ls[j]] = [ls[j], ls[i]];
    return ls.join("\n");
  },
  oddScalar(t, r) {
    const ls = lines(t);
    const candidates = ls.map((l, i) => (/^\s*(- )?[\w.-]+:\s*\S/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return t;
    const i = pick(r, candidates);
    const m = /^(\s*(?:- )?[\w.-]+:\s*)/.exec(ls[i])!;
    const indent = " ".repeat(m[1].length);
    ls[i] = m[1] + pick(r, ODD_SCALARS).replaceAll("\n", "\n" + indent);
    return ls.join("\n");
  },
  emptyValue(t, r) {
    const ls = lines(t);
    const i = int(r, ls.length);
    ls[i] = ls[i].replace(/:\s.*$/, ":");
    return ls.join("\n");
  },
  indent(t, r) {
    const ls = lines(t);
    const i = int(r, ls.length);
    const k = int(r, 4);
    ls[i] = k === 0
      ? ls[i].replace(/^ {1,2}/, "")
      : k === 1
      ? "  " + ls[i]
      : k === 2
      ? "\t" + ls[i]
      : " " + ls[i];
    return ls.join("\n");
  },
  truncate(t, r) {
    return t.slice(0, int(r, t.length + 1));
  },
  unicode(t, r) {
    const i = int(r, t.length + 1);
    return t.slice(0, i) + pick(r, UNICODE) + t.slice(i);
  },
  billionLaughs(t, r) {
    const k = int(r, 3);
    if (k === 0) return BILLION_LAUGHS + "---\n" + t;
    if (k === 1) {
      return t + "\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n" +
        BILLION_LAUGHS.split("\n").map((l) => "  " + l).join("\n") + "  servers: *g\n";
    }
    return "a: &a [*a]\n---\n" + t;
  },
  mergeKeys(t) {
    return "base: &base {apiVersion: networking.istio.io/v1, kind: Gateway}\n---\n<<: *base\n" + t;
  },
  deepNesting(t, r) {
    const depth = 50 + int(r, 600);
    const k = int(r, 3);
    const nested = k === 0
      ? "[".repeat(depth) + "]".repeat(depth)
      : k === 1
      ? "{a: ".repeat(depth) + "1" + "}".repeat(depth)
      : Array.from({ length: Math.min(depth, 300) }, (_, i) => " ".repeat(i + 2) + "a:").join("\n") + " 1";
    const ls = lines(t);
    const i = ls.findIndex((l) => /^spec:/.test(l));
    if (i < 0 || k === 2) {
      return t + "\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec:\n" +
        nested;
    }
    ls.splice(i + 1, 0, "  servers: " + nested);
    return ls.join("\n");
  },
  kindSwap(t, r) {
    return t.replace(/^kind: \w+/m, "kind: " + pick(r, ISTIO_KINDS));
  },
  apiVersionSwap(t, r) {
    const versions = ["v1", "v1beta1", "v1alpha3", "v2", "", "networking.istio.io", "/v1", "a/b/c"];
    return t.replace(
      /^apiVersion: ([\w.]+\/)?\w+/m,
      (_m, g: string | undefined) => "apiVersion: " + (g ?? "") + pick(r, versions),
    );
  },
  separators(t, r) {
    const ls = lines(t);
    ls.splice(
      int(r, ls.length + 1),
      0,
      pick(r, ["---", "...", "%YAML 1.2", "--- |", "--- !!map", "%TAG ! tag:x:"]),
    );
    return ls.join("\n");
  },
  duplicateKey(t, r) {
    const ls = lines(t);
    const candidates = ls.map((l, i) => (/^\s*[\w.-]+:/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return t;
    const i = pick(r, candidates);
    ls.splice(i + 1, 0, ls[i]);
    return ls.join("\n");
  },
  splice(t, r, corpus) {
    const other = lines(pick(r, corpus));
    const from = int(r, other.length);
    const ls = lines(t);
    ls.splice(int(r, ls.length), 0, ...other.slice(from, from + 1 + int(r, 8)));
    return ls.join("\n");
  },
  list(t, r) {
    const items = ["1", "null", "[]", "{kind: Gateway}", "{apiVersion: v1, kind: List, items: [{}]}"];
    return "apiVersion: v1\nkind: List\nitems:\n- " + pick(r, items) + "\n" +
      lines(t).map((l, i) => (i === 0 ? "- " + l : "  " + l)).join("\n");
  },
  configMap(t) {
    return "apiVersion: v1\nkind: ConfigMap\ndata:\n  mesh: |\n" + lines(t).map((l) => "    " + l).join("\n");
  },
  crlf(t) {
    return t.replaceAll("\n", "\r\n");
  },
};

const MUTATOR_NAMES = Object.keys(MUTATORS);

interface Failure {
  readonly iteration: number;
  readonly file: string;
  readonly mutations: string[];
  readonly problem: string;
  readonly text: string;
}

/** What is wrong with one load, if anything: an exception, or a diagnostic without a proper location. */
function check(file: string, text: string, mesh = true): string | undefined {
  try {
    const result = loadConfigTexts([{ file, text }]);
    const bad = badDiagnostic(result.diagnostics, file);
    if (bad) return `loadConfigTexts: ${bad}`;
  } catch (e) {
    return `loadConfigTexts threw ${(e as Error)?.stack ?? e}`;
  }
  if (!mesh) return undefined;
  try {
    const result = parseMeshConfig(file, text);
    const bad = badDiagnostic(result.diagnostics, file);
    if (bad) return `parseMeshConfig: ${bad}`;
    if (result.diagnostics.some((d) => d.message.startsWith("internal error"))) {
      return `parseMeshConfig: ${result.diagnostics.map(formatDiagnostic).join("\n")}`;
    }
  } catch (e) {
    return `parseMeshConfig threw ${(e as Error)?.stack ?? e}`;
  }
  return undefined;
}

function badDiagnostic(diagnostics: readonly Diagnostic[], file: string): string | undefined {
  for (const d of diagnostics) {
    const located = Number.isInteger(d.line) && Number.isInteger(d.col) && d.line >= 1 && d.col >= 1;
    if (!located || d.file !== file || typeof d.message !== "string" || d.message === "") {
      return `badly formed diagnostic ${JSON.stringify(d)}`;
    }
    if (!["error", "warning", "note"].includes(d.severity)) return `bad severity ${JSON.stringify(d)}`;
  }
  return undefined;
}

/** Line-based delta debugging: drops lines while the same kind of problem persists. */
function minimize(file: string, text: string, problem: string): string {
  const category = (p: string) =>
    /^(loadConfigTexts|parseMeshConfig)( threw \w+|: badly formed|: bad severity|: internal)?/.exec(p)?.[0] ??
      p;
  const wanted = category(problem);
  const same = (t: string) => {
    const p = check(file, t);
    return p !== undefined && category(p) === wanted;
  };
  let ls = lines(text);
  for (let chunk = Math.max(1, ls.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let i = 0; i < ls.length;) {
      const candidate = [...ls.slice(0, i), ...ls.slice(i + chunk)];
      if (candidate.length > 0 && same(candidate.join("\n"))) ls = candidate;
      else i += chunk;
    }
  }
  return ls.join("\n");
}

Deno.test(`fuzz: ${ITERATIONS} corpus mutations never crash the loader (seed ${SEED})`, () => {
  assert.ok(corpusAvailable(), MISSING_CORPUS);
  const files = readCorpus([
    ...listCorpusYaml("istio-istio/samples"),
    ...listCorpusYaml("istio.io"),
    ...listCorpusYaml("istio-istio/pkg"),
  ]);
  const texts = files.map((f) => f.text);
  const r = prng(SEED);
  const failures: Failure[] = [];
  const started = performance.now();
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const source = pick(r, files);
    const file = relativeToCorpus(source.path);
    let text = source.text;
    const mutations: string[] = [];
    for (let k = 1 + int(r, 3); k > 0; k--) {
      const name = pick(r, MUTATOR_NAMES);
      mutations.push(name);
      text = MUTATORS[name](text, r, texts);
    }
    // The mesh-config parser gets every fourth input (it is a second full YAML parse per input).
    const problem = check(file, text, iteration % 4 === 0);
    if (problem !== undefined && failures.length < 5) {
      failures.push({ iteration, file, mutations, problem, text: minimize(file, text, problem) });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // About 7s on a quiet machine; the guard only catches pathological slowness (say, a regex blow-up).
  assert.ok(seconds < 60, `fuzzing took ${seconds.toFixed(1)}s`);
  assert.deepEqual(
    failures.map((f) =>
      `iteration ${f.iteration} (${f.file}; ${f.mutations.join(", ")}):\n${f.problem}\nminimized input:\n${
        JSON.stringify(f.text)
      }`
    ),
    [],
  );
});

Deno.test("fuzz: hand-picked hostile inputs", async (t) => {
  const cases: Record<string, string> = {
    "billion laughs": BILLION_LAUGHS,
    "self-referential alias": "a: &a [*a]\n",
    "deep flow sequence": "[".repeat(5000) + "]".repeat(5000),
    "deep flow map in a spec":
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n  http: " +
      "[{a: ".repeat(3000) + "1" + "}]".repeat(3000) + "\n",
    "NUL bytes": "apiVersion: v1\u0000\nkind: \u0000\n",
    "lone surrogates":
      'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: "\\ud800"}\nspec: {}\n',
    "BOM and CRLF":
      "\ufeffapiVersion: networking.istio.io/v1\r\nkind: Gateway\r\nmetadata: {name: g}\r\nspec: {servers: []}\r\n",
    "List of garbage": "apiVersion: v1\nkind: List\nitems: [1, null, [], {kind: List, items: {}}]\n",
    "prototype keys":
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, __proto__: {x: 1}}\n" +
      "spec: {__proto__: {servers: []}, constructor: 1}\n",
    "huge number":
      "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n" +
      "  - port: {number: 1e400, name: http, protocol: HTTP}\n    hosts: ['*']\n",
    "only a tag": "!!map\n",
    "only document markers": "---\n...\n---\n",
  };
  for (const [name, text] of Object.entries(cases)) {
    await t.step(name, () => {
      assert.equal(check("hostile.yaml", text), undefined);
    });
  }
  assert.equal(({} as Record<string, unknown>).x, undefined, "no prototype pollution");
});
