// Isolation anomalies: sessions run SQL against one table, interleaved step by step, on a model
// of PostgreSQL, MySQL/InnoDB or strict two-phase locking; the checker names the anomalies the
// committed history contains (Adya's G0 … G2, OTV, PMP, lost update).
import { defineSimulator } from "../types";
import { simulate, type IsolationResult } from "./model";
import { present, verdictOf } from "./present";
import { schema, type Options } from "./scenario";

export const isolation = defineSimulator<Options, Options, IsolationResult>({
  id: "isolation",
  title: "Isolation anomalies",
  description: "Interleave SQL transactions on PostgreSQL, MySQL or 2PL and see which anomalies each isolation level lets through.",
  schema,
  resolve: (options) => options,
  examples: [
    {
      name: "lost update",
      description: "Two read-modify-write transactions on one row at PostgreSQL read committed.",
      body: "engine: postgresql\nlevel: read committed\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id = 1\n  - T2 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 commit\n",
    },
    {
      name: "write skew, compared",
      description: "The write-skew interleaving at several engines and levels, as a matrix.",
      body: "compare: [postgresql/repeatable read, postgresql/serializable, mysql/repeatable read, mysql/serializable]\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id in (1, 2)\n  - T2 select * from test where id in (1, 2)\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 21 where id = 2\n  - T1 commit\n  - T2 commit\n",
    },
    {
      name: "explore interleavings",
      description: "Every interleaving of two increments, counted per level.",
      body: "explore: true\ncompare: [postgresql/read committed, postgresql/repeatable read]\nsteps:\n  - T1 begin\n  - T1 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 begin\n  - T2 select * from test where id = 1\n  - T2 update test set value = 12 where id = 1\n  - T2 commit\n",
    },
  ],
  run: (options, ctx) => simulate(options, ctx.rng, (f) => ctx.progress(f)),
  check: (result) => verdictOf(result),
  present: (result, verdict) => present(result, verdict),
});
