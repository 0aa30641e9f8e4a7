import assert from "node:assert/strict";
import { StreamFailure } from "../../wasm/runtime/stream_failure.ts";
import { CONTINUE, FAIL_CLOSE_REPLY } from "../../wasm/mod.ts";

const BODY = new Uint8Array([1, 2, 3]);

Deno.test("FAIL_CLOSE replies 503 once per stream, then lets the rest through", () => {
  const headersFirst = new StreamFailure("FAIL_CLOSE");
  assert.deepEqual(headersFirst.headers(), { action: "reply", reply: FAIL_CLOSE_REPLY });
  assert.equal(headersFirst.headers(), CONTINUE);
  assert.deepEqual(headersFirst.data(BODY), { action: "continue", data: BODY });

  const bodyFirst = new StreamFailure("FAIL_CLOSE");
  assert.deepEqual(bodyFirst.data(BODY), { action: "reply", reply: FAIL_CLOSE_REPLY });
  assert.equal(bodyFirst.headers(), CONTINUE);
  assert.equal(FAIL_CLOSE_REPLY.status, 503);
  assert.equal(FAIL_CLOSE_REPLY.details, "wasm_fail_stream");
});

Deno.test("FAIL_OPEN never replies and passes the body on", () => {
  const failure = new StreamFailure("FAIL_OPEN");
  assert.equal(failure.headers(), CONTINUE);
  assert.deepEqual(failure.data(BODY), { action: "continue", data: BODY });
  assert.equal(failure.headers(), CONTINUE);
});
