// Sagas: order, payment, inventory and shipping as a saga, orchestrated or choreographed, under
// crashes, lost and duplicated messages, retries and concurrent sagas; one run drawn message by
// message, or many seeds counted per design.
import { exploreDesigns, seedCases } from "../../core/explore";
import { createRng } from "../../core/rng";
import { defineSimulator } from "../types";
import { check, firstProblem, judge, sagaFindings } from "./check";
import { CLASSES, runSaga, type SagaResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved, type Setup } from "./scenario";

export const saga = defineSimulator<Options, Resolved, SagaResult>({
  id: "saga",
  title: "Sagas",
  description:
    "Order, payment, inventory and shipping as a saga, orchestrated or choreographed, with crashes, lost and duplicated messages, " +
    "retries, compensations and concurrent sagas.",
  schema,
  examples,
  resolve,
  run: ({ run, explore }, ctx) => {
    if (!explore) return { mode: "run", run: runSaga(run, ctx.rng, true) };
    const simulate = (o: Setup, seed: number) => runSaga(o, createRng(seed));
    const explored = exploreDesigns(CLASSES, explore.designs, seedCases(explore.cases, ctx.rng), simulate, judge, firstProblem, (f) => ctx.progress(f));
    // The run the output draws is run once more, watched, for its timeline.
    const ex = explored.example;
    const design = ex && explore.designs.find((d) => d.name === ex.design);
    return ex && design ? { ...explored, example: { ...ex, run: runSaga(design.options, createRng(ex.at.value), true) } } : explored;
  },
  check: (result) => check(result),
  present: (result, verdict, resolved) => present(result, verdict, resolved.run, sagaFindings),
});
