// Sharding benchmarks: lookups per second for each strategy at 10, 100 and 1,000 nodes (the ring
// with 100 virtual nodes per node), and the time to place 1,000,000 keys and rebalance after a
// node joins. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { hashKeys } from "../src/sims/sharding/model/keys";
import { jump, modN, rendezvous, ring, type Placement } from "../src/sims/sharding/model/strategies";
import { lessonTimelines } from "./eviction";

const LOOKUPS = 2_000_000;

function lookupsPerSecond(p: Placement, h: Uint32Array, h2: Uint32Array, count: number): number {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) sink += p.owner(h[i % h.length]!, h2[i % h.length]!);
  const s = (performance.now() - t0) / 1000;
  if (sink === -1) console.log(sink);
  return count / s;
}

export function benchSharding(): void {
  console.log("\n## Sharding: lookups per second (millions)");
  const keys = hashKeys(1 << 16);
  console.log(`${"strategy".padEnd(12)} ${"N=10".padStart(8)} ${"N=100".padStart(8)} ${"N=1000".padStart(8)}`);
  const strategies: [string, (n: { name: string; weight: number }[]) => Placement, number][] = [
    ["mod", modN, LOOKUPS],
    ["ring (V=100)", (n) => ring(n, 100), LOOKUPS],
    ["jump", jump, LOOKUPS],
    ["rendezvous", rendezvous, LOOKUPS / 10],
  ];
  for (const [name, make, count] of strategies) {
    const figures = [10, 100, 1000].map((n) => {
      const nodes = Array.from({ length: n }, (_, i) => ({ name: `n${i}`, weight: 1 }));
      const p = make(nodes);
      lookupsPerSecond(p, keys.h, keys.h2, Math.min(count, 100_000)); // warm up
      return (lookupsPerSecond(p, keys.h, keys.h2, n === 1000 && name === "rendezvous" ? count / 10 : count) / 1e6).toFixed(2);
    });
    console.log(`${name.padEnd(12)} ${figures.map((f) => f.padStart(8)).join(" ")}`);
  }
  console.log("\n## Sharding: 1,000,000 keys on a ring of 100 nodes × 100 virtual nodes");
  let t0 = performance.now();
  const many = hashKeys(1_000_000);
  const hashMs = performance.now() - t0;
  const nodes = Array.from({ length: 100 }, (_, i) => ({ name: `n${i}`, weight: 1 }));
  t0 = performance.now();
  const before = ring(nodes, 100);
  const owners = new Int32Array(many.h.length);
  for (let i = 0; i < owners.length; i++) owners[i] = before.owner(many.h[i]!, 0);
  const placeMs = performance.now() - t0;
  t0 = performance.now();
  const after = ring([...nodes, { name: "n100", weight: 1 }], 100);
  let moved = 0;
  for (let i = 0; i < owners.length; i++) if (after.owner(many.h[i]!, 0) !== owners[i]) moved++;
  const rebalanceMs = performance.now() - t0;
  console.log(
    `hash keys ${hashMs.toFixed(0)} ms, build ring + place ${placeMs.toFixed(0)} ms, add a node + re-place + count moves ${rebalanceMs.toFixed(0)} ms (${moved} keys moved, ${(moved / 1e4).toFixed(2)}%; theory 0.99%)`,
  );
  lessonTimelines("sharding.dsnb");
}

if (process.argv[1] && import.meta.filename === process.argv[1]) benchSharding();
