// Dynamo-style leaderless replication: N replicas per key, R and W, sloppy quorums with hinted
// handoff, read repair, anti-entropy, last-writer-wins with clock skew or version vectors; one run,
// or the same operations under several settings.
import { defineSimulator } from "../types";
import { check, judge } from "./check";
import { simulate, type QuorumResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const quorum = defineSimulator<Options, Resolved, QuorumResult>({
  id: "quorum",
  title: "Quorums (leaderless replication)",
  description: "Dynamo-style replication: N, R and W, sloppy quorums and hinted handoff, read repair, last-writer-wins with clock skew or version vectors.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, ctx.rng),
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict, judge),
});
