// Schema pieces shared by the saga, two-phase commit and outbox simulators: the network, retries
// with backoff, and how many random runs to explore.
import { s } from "../../scenario/schema";

export const networkSchema = s.object("The network between services. Delays are drawn from the seed for every message.", {
  minDelayMs: s.field(s.integer({ doc: "Shortest delivery delay.", min: 0, max: 60_000, default: 5, unit: "ms" })),
  maxDelayMs: s.field(s.integer({ doc: "Longest delivery delay.", min: 0, max: 60_000, default: 20, unit: "ms" })),
  loss: s.field(s.number({ doc: "Probability that a message is lost.", min: 0, max: 0.9, default: 0 })),
  duplicate: s.field(s.number({ doc: "Probability that a message is delivered twice.", min: 0, max: 0.9, default: 0 })),
  reorder: s.field(s.boolean({ doc: "Whether a later message may overtake an earlier one between the same two services (with false, each channel is first in, first out).", default: true })),
});

export const retrySchema = s.object("How a sender retries a request that got no answer: it waits timeoutMs, then backs off exponentially.", {
  timeoutMs: s.field(s.integer({ doc: "How long to wait for an answer before sending again.", min: 1, max: 60_000, default: 100, unit: "ms" })),
  backoff: s.field(s.number({ doc: "Each further wait is this many times the previous one.", min: 1, max: 10, default: 2 })),
  maxDelayMs: s.field(s.integer({ doc: "The longest wait between two attempts.", min: 1, max: 600_000, default: 1600, unit: "ms" })),
  attempts: s.field(s.integer({ doc: "Saga steps before the pivot: attempts without an answer before the step counts as failed and the saga compensates (the step may still have happened, so it is compensated too). Steps after the pivot and compensations are retried until they succeed.", min: 1, max: 100, default: 4 })),
});

export const exploreSchema = s.integer({ doc: "Instead of one run, run this many, each with its own seed drawn from the cell's seed, and count the outcomes per design (faults come from `random`).", min: 0, max: 20_000, default: 0 });

export const untilSchema = s.integer({ doc: "Virtual time at which the run stops if it has not come to rest (a service that stays down keeps others retrying).", min: 100, max: 3_600_000, default: 30_000, unit: "ms" });
