import assert from "node:assert/strict";
import { inRange, parseCidr, parseIp } from "../../../gateway/compile/authz/ip.ts";

const within = (ip: string, cidr: string) => inRange(parseIp(ip)!, parseCidr(cidr)!);

Deno.test("ip: IPv4 and IPv6 addresses parse; other text does not", () => {
  assert.deepEqual(parseIp("1.2.3.4"), { v6: false, words: [0x01020304] });
  assert.deepEqual(parseIp("::1"), { v6: true, words: [0, 0, 0, 1] });
  assert.deepEqual(parseIp("2001:db8::8:800:200c:417a"), {
    v6: true,
    words: [0x20010db8, 0, 0x00080800, 0x200c417a],
  });
  assert.deepEqual(parseIp("::ffff:1.2.3.4"), { v6: true, words: [0, 0, 0xffff, 0x01020304] });
  assert.deepEqual(parseIp("fe80::1%eth0"), { v6: true, words: [0xfe800000, 0, 0, 1] });
  for (const bad of ["", "1.2.3", "1.2.3.256", "host.example", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::"]) {
    assert.equal(parseIp(bad), undefined, bad);
  }
  assert.equal(parseCidr("1.2.3.4/33"), undefined);
  assert.equal(parseCidr("::/129"), undefined);
});

Deno.test("ip: CIDR ranges: prefixes, host bits ignored, bare addresses, no match across families", () => {
  assert.equal(within("5.6.7.200", "5.6.7.0/24"), true);
  assert.equal(within("5.6.8.1", "5.6.7.0/24"), false);
  assert.equal(within("5.6.7.9", "5.6.7.1/24"), true, "host bits of the range are ignored");
  assert.equal(within("1.2.3.4", "1.2.3.4"), true);
  assert.equal(within("1.2.3.5", "1.2.3.4"), false);
  assert.equal(within("9.9.9.9", "0.0.0.0/0"), true);
  assert.equal(within("255.255.255.255", "255.255.255.254/31"), true);
  assert.equal(within("2001:db8:1::5", "2001:db8::/32"), true);
  assert.equal(within("2001:db9::5", "2001:db8::/32"), false);
  assert.equal(within("2001:db8::1:0:0:1", "2001:db8:0:0:1::/80"), true);
  assert.equal(within("2001:db8::2:0:0:1", "2001:db8:0:0:1::/80"), false);
  assert.equal(within("::ffff:1.2.3.4", "1.2.3.0/24"), false, "an IPv4-mapped address is IPv6");
  assert.equal(within("1.2.3.4", "::/0"), false);
});
