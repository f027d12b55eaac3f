// Sharding and consistent hashing: place keys with hash mod N, a ring with virtual nodes,
// rendezvous, jump hash or bounded loads, change the cluster, and measure balance and movement.
import { ScenarioError } from "../../core/errors";
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type ShardingResult } from "./model";
import { present } from "./present";
import { schema, type Options } from "./scenario";

export const sharding = defineSimulator<Options, Options, ShardingResult>({
  id: "sharding",
  title: "Sharding and consistent hashing",
  description: "Place keys on nodes with mod-N, a hash ring, rendezvous, jump hash or bounded loads; add and remove nodes and count what moves.",
  schema,
  resolve: (options) => options,
  examples: [
    { name: "mod N versus the ring", description: "Grow from 4 to 5 nodes and compare how many keys move.", body: "keys: 10000\nnodes: 4\ncompare: [mod, ring, rendezvous, jump]\nchanges:\n  - action: add\n    node: n4\n" },
    { name: "virtual nodes and balance", description: "How even is a ring with few virtual nodes?", body: "strategy: ring\nkeys: 20000\nnodes: 8\nvirtualNodes: 4\nloadBound: 1.3\n" },
    { name: "bounded loads", description: "Cap every node at (1+ε) times the average.", body: "compare: [ring, bounded]\nkeys: 10000\nnodes: 8\nvirtualNodes: 8\nepsilon: 0.1\n" },
  ],
  run: (options, ctx) => {
    for (const [i, c] of options.changes.entries()) {
      if (!/^[A-Za-z0-9_.-]+$/.test(c.node)) throw new ScenarioError(`Change ${i + 1}: node names may use letters, digits, "_", "." and "-" only (got "${c.node}").`);
    }
    return simulate(options, ctx.rng, (f) => ctx.progress(f));
  },
  check: (result, options) => check(result, options),
  present: (result, verdict, options) => present(result, verdict, options),
});
