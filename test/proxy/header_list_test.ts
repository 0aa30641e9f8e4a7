import assert from "node:assert/strict";
import { HeaderList, isHeaderName, isHeaderValue } from "../../gateway/proxy/header_list.ts";

Deno.test("HeaderList keeps order and duplicates, lowercases names, and joins on get like Headers", () => {
  const h = new HeaderList();
  h.append("X-B", "2");
  h.append("Set-Cookie", "a=1");
  h.append("x-a", " 1 ");
  h.append("set-cookie", "b=2");
  assert.deepEqual([...h], [["x-b", "2"], ["set-cookie", "a=1"], ["x-a", "1"], ["set-cookie", "b=2"]]);
  assert.equal(h.get("SET-COOKIE"), "a=1, b=2");
  assert.deepEqual(h.getAll("set-cookie"), ["a=1", "b=2"]);
  assert.equal(h.get("missing"), null);
  assert.equal(h.length, 4);
  assert.ok(h.has("X-A") && !h.has("x-c"));
});

Deno.test("HeaderList set replaces every field of a name in place of the first; delete removes all", () => {
  const h = HeaderList.from([["a", "1"], ["b", "2"], ["a", "3"]]);
  h.set("A", "9");
  assert.deepEqual([...h], [["a", "9"], ["b", "2"]]);
  h.set("c", "4");
  h.append("b", "5");
  h.delete("B");
  assert.deepEqual([...h], [["a", "9"], ["c", "4"]]);
});

Deno.test("HeaderList rejects what Headers rejects", () => {
  const h = new HeaderList();
  assert.throws(() => h.append("bad name", "x"), TypeError);
  assert.throws(() => h.set("x", "a\r\nb: c"), TypeError);
  assert.throws(() => h.append("x", "a\0"), TypeError);
  assert.equal(h.length, 0);
  assert.ok(isHeaderName("x-ok") && !isHeaderName("x:y") && !isHeaderName(""));
  assert.ok(isHeaderValue("a b") && !isHeaderValue("a\nb"));
});

Deno.test("HeaderList converts from and to Headers, keeping Set-Cookie lines apart", () => {
  const source = new Headers([["x-a", "1"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
  const h = HeaderList.from(source);
  assert.deepEqual(h.getAll("set-cookie"), ["a=1", "b=2"]);
  const copy = h.clone();
  copy.delete("x-a");
  assert.equal(h.get("x-a"), "1");
  assert.deepEqual(h.toHeaders().getSetCookie(), ["a=1", "b=2"]);
  assert.deepEqual([...HeaderList.from({ "X-Y": "z" })], [["x-y", "z"]]);
});
