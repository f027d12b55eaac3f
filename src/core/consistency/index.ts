// The consistency checker, shared by the simulators that replicate data and by later labs: a
// history model, linearizability (Wing–Gong–Lowe, per key), session guarantees, consistent prefix
// and bounded staleness, and readers for Jepsen's and Knossos's histories. docs/consistency.md.
export * from "./history";
export * from "./model";
export { searchLinearization, type SearchOutcome, type Timed } from "./search";
export * from "./linearizability";
export { explainViolation, shrinkWitness } from "./explain";
export * from "./session";
export { Versions, type VersionedRead, type VersionedWrite } from "./versions";
export { happenedBefore, type Cause, type HappenedBefore } from "./order";
export * from "./jepsen";
