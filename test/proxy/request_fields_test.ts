import assert from "node:assert/strict";
import { requestFields } from "../../gateway/proxy/request_fields.ts";
import { DUPLICATES_REQUEST, rawExchange } from "../helpers/net.ts";

Deno.test("requestFields: a constructed Request's fields in order, repeats apart, names lowercased", () => {
  const req = new Request("http://a/", {
    headers: [["Z-Last", "1"], ["X-Dup", "one"], ["A-First", "2"], ["x-dup", "two"], ["Set-Cookie", "c=1"]],
  });
  assert.deepEqual(requestFields(req), [
    "z-last",
    "1",
    "x-dup",
    "one",
    "a-first",
    "2",
    "x-dup",
    "two",
    "set-cookie",
    "c=1",
  ]);
  req.headers.delete("a-first");
  req.headers.append("added", "3");
  assert.deepEqual(
    requestFields(req).slice(4),
    ["x-dup", "two", "set-cookie", "c=1", "added", "3"],
    "edits show",
  );
});

Deno.test("requestFields: a Deno.serve request's fields exactly as they came over the wire", async () => {
  let seen: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen = requestFields(req);
    return new Response("ok");
  });
  await rawExchange(server.addr.port, DUPLICATES_REQUEST);
  assert.deepEqual(seen, [
    "host",
    "a",
    "z-last",
    "1",
    "x-dup",
    "one",
    "a-first",
    "2",
    "x-dup",
    "two",
    "connection",
    "close",
  ]);
});
