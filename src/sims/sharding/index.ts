// Sharding and consistent hashing: place keys with hash mod N, a ring with virtual nodes,
// rendezvous, jump hash or bounded loads, change the cluster, and measure balance and movement.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type ShardingResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const sharding = defineSimulator<Options, Resolved, ShardingResult>({
  id: "sharding",
  title: "Sharding and consistent hashing",
  description: "Place keys on nodes with mod-N, a hash ring, rendezvous, jump hash or bounded loads; add and remove nodes and count what moves.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, ctx.rng, (f) => ctx.progress(f)),
  check,
  present,
});
