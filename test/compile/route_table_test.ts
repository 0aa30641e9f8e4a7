import assert from "node:assert/strict";
import { createRouteTable } from "../../gateway/compile/route_table.ts";
import type { VirtualHost } from "../../gateway/compile/types.ts";

function vhost(...domains: string[]): VirtualHost {
  return { name: domains[0], domains, routes: [], requireTls: false };
}

Deno.test("RouteTable.lookup(): exact, then longest wildcard suffix, then *", () => {
  const table = createRouteTable("http.80", [
    vhost("*"),
    vhost("*.example.com"),
    vhost("*.api.example.com"),
    vhost("www.example.com"),
  ]);
  assert.equal(table.lookup("www.example.com")?.name, "www.example.com");
  assert.equal(table.lookup("WWW.Example.COM:8080")?.name, "www.example.com", "case and port ignored");
  assert.equal(table.lookup("v1.api.example.com")?.name, "*.api.example.com");
  assert.equal(table.lookup("a.b.example.com")?.name, "*.example.com");
  assert.equal(table.lookup("example.com")?.name, "*");
  assert.equal(table.lookup("other.org")?.name, "*");
});

Deno.test("RouteTable.lookup(): no catch-all means no virtual host", () => {
  const table = createRouteTable("http.80", [vhost("a.com")]);
  assert.equal(table.lookup("b.com"), undefined);
});
