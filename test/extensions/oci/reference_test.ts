import assert from "node:assert/strict";
import {
  formatImageReference,
  parseImageReference,
  registryApiHost,
} from "../../../gateway/extensions/oci/reference.ts";

const DIGEST = "a".repeat(64);

Deno.test("image reference: registry, repository and tag from oci:// URLs and URLs without a scheme", () => {
  assert.deepEqual(parseImageReference("oci://127.0.0.1:5000/filters/auth:v1.2"), {
    registry: "127.0.0.1:5000",
    repository: "filters/auth",
    tag: "v1.2",
  });
  assert.deepEqual(parseImageReference("ghcr.io/org/team/filter"), {
    registry: "ghcr.io",
    repository: "org/team/filter",
    tag: "latest",
  });
  assert.deepEqual(parseImageReference("OCI://Registry.Example.com/x:1?ignored#too"), {
    registry: "registry.example.com",
    repository: "x",
    tag: "1",
  });
  assert.deepEqual(parseImageReference("localhost/filter:dev"), {
    registry: "localhost",
    repository: "filter",
    tag: "dev",
  });
});

Deno.test("image reference: a digest wins over a tag; only sha256 digests are accepted", () => {
  assert.deepEqual(parseImageReference(`oci://reg.io/f:v1@sha256:${DIGEST}`), {
    registry: "reg.io",
    repository: "f",
    digest: DIGEST,
  });
  assert.equal(
    formatImageReference(parseImageReference(`reg.io/f@sha256:${DIGEST}`)),
    `reg.io/f@sha256:${DIGEST}`,
  );
  assert.throws(() => parseImageReference(`reg.io/f@sha512:${DIGEST}`), /sha256: and 64 lowercase hex/);
  assert.throws(() => parseImageReference("reg.io/f@sha256:abc"), /sha256: and 64 lowercase hex/);
});

Deno.test("image reference: Docker Hub names get the default registry and library/", () => {
  const ref = parseImageReference("oci://istio-ecosystem");
  assert.deepEqual(ref, {
    registry: "index.docker.io",
    repository: "library/istio-ecosystem",
    tag: "latest",
  });
  assert.equal(registryApiHost(ref), "registry-1.docker.io");
  assert.deepEqual(parseImageReference("docker.io/tetrate/filter:0.1"), {
    registry: "index.docker.io",
    repository: "tetrate/filter",
    tag: "0.1",
  });
  assert.equal(registryApiHost(parseImageReference("reg.io:443/a")), "reg.io:443");
});

Deno.test("image reference: bad repositories and tags are errors that name the URL", () => {
  assert.throws(
    () => parseImageReference("oci://reg.io/Upper/case"),
    /reg\.io\/Upper\/case.*invalid repository/,
  );
  assert.throws(() => parseImageReference("oci://reg.io/a//b"), /invalid repository/);
  assert.throws(() => parseImageReference("oci://reg.io/"), /invalid repository/);
  assert.throws(() => parseImageReference("oci://reg.io/a:-bad"), /invalid tag/);
});
