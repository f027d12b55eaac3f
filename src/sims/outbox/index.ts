// Dual write and the transactional outbox: store an order and publish its event, under crashes and
// a lossy network; one run drawn message by message, or many seeds counted per design.
import { exploreDesigns, seedCases } from "../../core/explore";
import { createRng } from "../../core/rng";
import { defineSimulator } from "../types";
import { check, firstProblem, judge, outboxFindings } from "./check";
import { OUTBOX_CLASSES, simulateOnce, type OutboxResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved, type Setup } from "./scenario";

export const outbox = defineSimulator<Options, Resolved, OutboxResult>({
  id: "outbox",
  title: "Dual write and the transactional outbox",
  description:
    "Store an order and publish its event: lose it with a dual write, announce ghosts by publishing first, " +
    "or use an outbox and a relay with a deduplicating consumer.",
  schema,
  examples,
  resolve,
  run: ({ run, explore }, ctx) => {
    if (!explore) return { mode: "run", run: simulateOnce(run, ctx.rng, true) };
    const simulate = (o: Setup, seed: number) => simulateOnce(o, createRng(seed));
    const explored = exploreDesigns(OUTBOX_CLASSES, explore.designs, seedCases(explore.cases, ctx.rng), simulate, judge, firstProblem, (f) => ctx.progress(f));
    // The run the output draws is run once more, watched, for its timeline.
    const ex = explored.example;
    const design = ex && explore.designs.find((d) => d.name === ex.design);
    return ex && design ? { ...explored, example: { ...ex, run: simulateOnce(design.options, createRng(ex.at.value), true) } } : explored;
  },
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict, outboxFindings),
});
