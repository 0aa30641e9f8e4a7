import assert from "node:assert/strict";
import { clientAddresses } from "../../gateway/proxy/client_address.ts";

Deno.test("clientAddresses: the peer is appended to X-Forwarded-For as Envoy appends it (',' and no space)", () => {
  assert.equal(clientAddresses("10.0.0.9", null, 0).forwardedFor, "10.0.0.9");
  assert.equal(
    clientAddresses("10.0.0.9", "203.0.113.7, 198.51.100.2", 0).forwardedFor,
    "203.0.113.7, 198.51.100.2,10.0.0.9",
  );
  assert.equal(clientAddresses("10.0.0.9", "", 0).forwardedFor, "10.0.0.9", "an empty value gets no comma");
});

Deno.test("clientAddresses: the client is the peer, or with trusted hops the Nth address from the right", () => {
  assert.equal(clientAddresses("10.0.0.9", "203.0.113.7, 10.0.0.5", 0).client, "10.0.0.9");
  assert.equal(clientAddresses("10.0.0.9", "203.0.113.7, 10.0.0.5", 1).client, "10.0.0.5");
  assert.equal(clientAddresses("10.0.0.9", "203.0.113.7,10.0.0.5", 2).client, "203.0.113.7");
  assert.equal(clientAddresses("10.0.0.9", "203.0.113.7", 2).client, "10.0.0.9", "a short list: the peer");
});

Deno.test("clientAddresses: internal only for an internal peer with no X-Forwarded-For at all (Envoy's rule)", () => {
  assert.equal(clientAddresses("10.0.0.9", null, 0).internal, true);
  assert.equal(clientAddresses("203.0.113.9", null, 0).internal, false);
  assert.equal(clientAddresses("10.0.0.9", "10.0.0.5", 0).internal, false, "any XFF makes it external");
  assert.equal(clientAddresses("10.0.0.9", "", 0).internal, false, "even an empty one");
});
