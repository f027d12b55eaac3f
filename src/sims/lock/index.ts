// Distributed locks: a lease on one Redis instance or Redlock over several, a client paused past
// its lease, clocks that drift, and fencing tokens checked by the storage as the fix.
import { defineSimulator } from "../types";
import { check } from "./check";
import { simulate, type LockResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved } from "./scenario";

export const lock = defineSimulator<Options, Resolved, LockResult>({
  id: "lock",
  title: "Distributed locks",
  description: "Two clients and a lease lock (one Redis instance or Redlock): a pause past the lease, clock drift, fencing tokens and renewal.",
  schema,
  examples,
  resolve,
  run: (resolved) => simulate(resolved),
  check: (result, resolved) => check(result, resolved),
  present: (result, verdict, resolved) => present(result, verdict, resolved),
});
