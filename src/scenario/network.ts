// The options of a message-passing world (src/core/network.ts), written the same way in every cell
// that runs one: the network between services, and the virtual time at which a run that has not
// come to rest stops. See docs/sagas.md for what they mean.
import { s } from "./schema";

/** `network:`: delays, loss, duplication and reordering, the World's NetworkOptions. */
export const networkSchema = s.object("The network between services. Delays are drawn from the seed for every message.", {
  minDelayMs: s.field(s.integer({ doc: "Shortest delivery delay.", min: 0, max: 60_000, default: 5, unit: "ms" })),
  maxDelayMs: s.field(s.integer({ doc: "Longest delivery delay.", min: 0, max: 60_000, default: 20, unit: "ms" })),
  loss: s.field(s.number({ doc: "Probability that a message is lost.", min: 0, max: 0.9, default: 0 })),
  duplicate: s.field(s.number({ doc: "Probability that a message is delivered twice.", min: 0, max: 0.9, default: 0 })),
  reorder: s.field(
    s.boolean({
      doc: "Whether a later message may overtake an earlier one between the same two services (with false, each channel is first in, first out).",
      default: true,
    }),
  ),
});

/** `untilMs:`, with the default that suits the simulator. */
export function untilMsSchema<const D extends number>(defaultMs: D) {
  return s.integer({
    doc: "Virtual time at which the run stops if it has not come to rest (a service that stays down keeps others retrying).",
    min: 100,
    max: 3_600_000,
    default: defaultMs,
    unit: "ms",
  });
}
