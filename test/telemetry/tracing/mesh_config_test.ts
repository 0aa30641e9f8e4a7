import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../gateway/config/diagnostics.ts";
import { DEFAULT_MESH_CONFIG, parseMeshConfig } from "../../../gateway/config/mesh/mod.ts";

Deno.test("mesh tracing: defaultConfig.tracing customTags and maxPathTagLength are read", () => {
  assert.deepEqual(DEFAULT_MESH_CONFIG.defaultConfig.tracing, {
    sampling: 1,
    customTags: {},
    maxPathTagLength: 0,
  });
  const { mesh, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    `defaultConfig:
  tracing:
    sampling: 5
    max_path_tag_length: 99
    custom_tags:
      team: {literal: {value: edge}}
      pod: {environment: {name: POD_NAME, default_value: unknown}}
      tenant: {header: {name: x-tenant}}
`,
  );
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(mesh.defaultConfig.tracing, {
    sampling: 5,
    maxPathTagLength: 99,
    customTags: {
      team: { literal: { value: "edge" } },
      pod: { environment: { name: "POD_NAME", defaultValue: "unknown" } },
      tenant: { header: { name: "x-tenant" } },
    },
  });
});

Deno.test("mesh tracing: a custom tag must set exactly one kind, with a name", () => {
  const { mesh, diagnostics } = parseMeshConfig(
    "mesh.yaml",
    `defaultConfig:
  tracing:
    customTags:
      none: {}
      two: {literal: {value: x}, header: {name: y}}
      nameless: {header: {defaultValue: d}}
      ok: {literal: {value: v}}
`,
  );
  const lines = diagnostics.map(formatDiagnostic);
  assert.deepEqual(Object.keys(mesh.defaultConfig.tracing.customTags), ["ok"]);
  assert.ok(
    lines.some((l) => /warning: .*customTags\.none: a custom tag sets none/.test(l)),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => /error: .*customTags\.two: .*found literal, header/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /warning: .*customTags\.nameless: header tag name may not be empty/.test(l)));
  const negative = parseMeshConfig("mesh.yaml", "defaultConfig: {tracing: {maxPathTagLength: -1}}");
  assert.match(formatDiagnostic(negative.diagnostics[0]), /error: .*maxPathTagLength/);
  assert.equal(negative.mesh.defaultConfig.tracing.maxPathTagLength, 0);
});
