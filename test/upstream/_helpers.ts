/**
 * Test helpers for the upstream modules: endpoints, a seeded random source and a fake clock.
 * @module
 */
import type { Endpoint } from "../../gateway/compile/types.ts";

/** An endpoint `10.0.0.<n>:8080` with `weight`. */
export function ep(n: number, weight = 1): Endpoint {
  return { address: `10.0.${n >> 8}.${n & 255}`, port: 8080, labels: {}, weight };
}

/** Endpoints 1..count. */
export function eps(count: number, weight = 1): Endpoint[] {
  return Array.from({ length: count }, (_, i) => ep(i + 1, weight));
}

/** A deterministic uniform generator in [0, 1) (splitmix32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public t = 0) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

/** How often each endpoint address was chosen by `pick` over `n` calls. */
export function tally(n: number, pick: () => Endpoint | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const e = pick();
    const key = e === undefined ? "none" : e.address;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}
