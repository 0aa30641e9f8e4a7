import assert from "node:assert/strict";
import { effectivePullPolicy, moduleUrlScheme } from "../../../gateway/extensions/oci/pull_policy.ts";

Deno.test("pull policy: unset is IfNotPresent except for an OCI URL ending in :latest", () => {
  assert.equal(effectivePullPolicy("oci://reg.io/f:latest"), "Always");
  assert.equal(effectivePullPolicy("reg.io/f:latest", "UNSPECIFIED_POLICY"), "Always");
  assert.equal(effectivePullPolicy("oci://reg.io/f"), "IfNotPresent");
  assert.equal(effectivePullPolicy("oci://reg.io/f:v1"), "IfNotPresent");
  assert.equal(effectivePullPolicy("https://host/f:latest"), "IfNotPresent");
  assert.equal(effectivePullPolicy("oci://reg.io/f:latest", "IfNotPresent"), "IfNotPresent");
  assert.equal(effectivePullPolicy("oci://reg.io/f:v1", "Always"), "Always");
});

Deno.test("pull policy: a URL without a scheme is an OCI reference", () => {
  assert.equal(moduleUrlScheme("reg.io/f:v1"), "oci");
  assert.equal(moduleUrlScheme("127.0.0.1:5000/f"), "oci");
  assert.equal(moduleUrlScheme("HTTPS://host/f.wasm"), "https");
  assert.equal(moduleUrlScheme("file:///f.wasm"), "file");
});
