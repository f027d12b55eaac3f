// Isolation anomalies: sessions run SQL against one table, interleaved step by step, on a model
// of PostgreSQL, MySQL/InnoDB or strict two-phase locking; the checker names the anomalies the
// committed history contains (Adya's G0 … G2, OTV, PMP, lost update).
import { defineSimulator } from "../types";
import { anomaliesOf, check } from "./check";
import { simulate, type IsolationResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const isolation = defineSimulator<Options, Resolved, IsolationResult>({
  id: "isolation",
  title: "Isolation anomalies",
  description: "Interleave SQL transactions on PostgreSQL, MySQL or 2PL and see which anomalies each isolation level lets through.",
  schema,
  examples,
  resolve,
  run: (resolved, ctx) => simulate(resolved, anomaliesOf, ctx.rng, (f) => ctx.progress(f)),
  check: (result, resolved) => check(result, resolved),
  present: (result, verdict, resolved) => present(result, verdict, resolved),
});
