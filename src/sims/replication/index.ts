// Single-leader replication: lag, where reads go, failover and split brain, judged by the shared
// consistency checker; one run drawn message by message, or the same operations under several settings.
import { createRng } from "../../core/rng";
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type ReplicationResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const replication = defineSimulator<Options, Resolved, ReplicationResult>({
  id: "replication",
  title: "Replication",
  description:
    "A leader and lagging followers: sync, semi-sync or async; reads at the leader or replicas; failover, split brain and fencing; Cosmos DB's levels.",
  schema,
  examples,
  resolve,
  run: ({ run, compare }, ctx) => {
    if (!compare) return { mode: "run", run: simulate(run, ctx.rng, true) };
    return { mode: "compare", runs: compare.map((c) => ({ name: c.name, run: simulate(c.options, createRng(ctx.seed), true) })) };
  },
  check,
  present: (result, verdict) => present(result, verdict),
});
