// The sagas lab: sagas (orchestrated and choreographed), two-phase commit and the transactional
// outbox, all in one message-passing world (world.ts) with crashes, lossy networks and retries.
export { saga } from "./saga";
export { twoPhaseCommit } from "./twopc";
export { outbox } from "./outbox";
