// What a learner reads about each finding of the outbox simulator: one function per finding code,
// giving its title and explanation, and the one-line descriptions an exploration uses.
import { count } from "../../present/prose";
import type { OutboxRun } from "./model";
import { RELAY, SHIPPING } from "./scenario";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

/** One order's story: its number, its commit event and its shipments. */
export interface OrderFacts {
  readonly run: OutboxRun;
  readonly n: number;
  readonly committedAt: number;
  readonly ships: readonly number[];
}

const seqs = (xs: readonly number[]) => `#${xs.join(", #")}`;

/** " The crashes: #3, #9." after every explanation of a run that had any. */
function crashNote(run: OutboxRun): string {
  const n = run.crashes.length;
  return n ? ` The crash${n > 1 ? "es" : ""}: ${seqs(run.crashes)}.` : "";
}

export function eventUndelivered({ run, n, committedAt }: OrderFacts): Words {
  const why = run.downServices.includes(SHIPPING) ? "shipping is down" : "the broker was still redelivering it";
  return {
    title: `Order ${n}'s event is at the broker but was never consumed`,
    explanation:
      `Order ${n} was committed at #${committedAt} and its event reached the broker, but shipping had not consumed it at t=${run.endMs} ms (${why}). ` +
      `Nothing is lost: the broker keeps the event until shipping acknowledges it.${crashNote(run)}`,
  };
}

export function outboxNotDrained({ run, n, committedAt }: OrderFacts): Words {
  const relay = run.downServices.includes(RELAY) ? "the relay is down" : "it was still trying";
  return {
    title: `Order ${n}'s event is still in the outbox`,
    explanation:
      `Order ${n} and its outbox row were committed at #${committedAt}, but the relay never published the row (${relay} at t=${run.endMs} ms). ` +
      `Nothing is lost yet: the row will go out once the relay runs.${crashNote(run)}`,
  };
}

/** `orderCrashed`: the order service crashed during the run, which is what lost the event. */
export function lostEvent({ run, n, committedAt }: OrderFacts, orderCrashed: boolean): Words {
  const lost = orderCrashed
    ? `the order service kept it only in memory and crashed before the broker acknowledged it. Shipping will never hear of this order. ` +
      `Storing the event in an outbox row, in the same transaction as the order, would have kept it.`
    : `the order service was still trying to publish it, and keeps it only in memory, so a crash now would lose it.`;
  const when = orderCrashed ? "never reached the broker" : `had not reached the broker when the run stopped at t=${run.endMs} ms`;
  return {
    title: `Order ${n} was stored but its event was lost`,
    explanation: `Order ${n} was committed at #${committedAt}, but the event announcing it ${when}: ${lost}${crashNote(run)}`,
  };
}

export function ghostEvent({ run, n, ships }: OrderFacts): Words {
  return {
    title: `Order ${n} was shipped but never stored`,
    explanation:
      `The order service published order ${n}'s event first and crashed before committing the order, ` +
      `so shipping acted (${seqs(ships)}) on an order the order database does not have.${crashNote(run)}`,
  };
}

export function duplicateProcessing({ run, n, ships }: OrderFacts): Words {
  return {
    title: `Order ${n} was shipped ${ships.length} times`,
    explanation:
      `The event of order ${n} was delivered more than once (the relay or the broker sent it again after an acknowledgement went missing: ` +
      `at-least-once delivery), and shipping applied every delivery (${seqs(ships)}). ` +
      `Recording each event id with its effect, and skipping ids already seen, makes the consumer idempotent.${crashNote(run)}`,
  };
}

/** Each finding code in a sentence, for an exploration's findings. */
export const EXPLORED: Readonly<Record<string, string>> = {
  "lost-event": "An order was stored but its event never left the service.",
  "ghost-event": "An order was shipped that was never stored.",
  "duplicate-processing": "An order was shipped more than once.",
  "outbox-not-drained": "An outbox row was still unsent when the run ended.",
  "event-undelivered": "An event was at the broker but not yet consumed when the run ended.",
};

/** The verdict's summary when every stored order was shipped exactly once. */
export function allShipped(run: OutboxRun): string {
  const deliveries = count(run.stats.deliveries, "delivery", "deliveries");
  return `Every stored order was shipped exactly once (${count(run.orders, "order")}, ${deliveries}, ${run.stats.skipped} skipped as repeats).`;
}
