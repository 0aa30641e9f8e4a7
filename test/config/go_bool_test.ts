import assert from "node:assert/strict";
import { parseGoBool } from "../../gateway/config/go_bool.ts";

Deno.test("parseGoBool reads what Go's strconv.ParseBool reads", () => {
  for (const text of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(text), true, text);
  for (const text of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseGoBool(text), false, text);
  for (const text of ["", "yes", "tRUE", " true", "2", "on"]) {
    assert.equal(parseGoBool(text), undefined, text);
  }
});
