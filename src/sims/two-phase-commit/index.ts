// Two-phase commit, for contrast with sagas: a coordinator, PREPARE, votes and a logged decision;
// one run drawn message by message, or many seeds counted per recovery choice.
import { exploreDesigns, seedCases } from "../../core/explore";
import { createRng } from "../../core/rng";
import { defineSimulator } from "../types";
import { check, firstProblem, judge, twoPcFindings } from "./check";
import { simulateOnce, TWO_PC_CLASSES, type TwoPcResult } from "./model";
import { present } from "./present";
import { examples, resolve, schema, type Options, type Resolved, type Setup } from "./scenario";

export const twoPhaseCommit = defineSimulator<Options, Resolved, TwoPcResult>({
  id: "two-phase-commit",
  title: "Two-phase commit",
  description: "A coordinator, PREPARE, votes and a logged decision; a coordinator crash leaves participants in doubt, holding locks others wait for.",
  schema,
  examples,
  resolve,
  run: ({ run, explore }, ctx) => {
    if (!explore) return { mode: "run", run: simulateOnce(run, ctx.rng, true) };
    const simulate = (o: Setup, seed: number) => simulateOnce(o, createRng(seed));
    const explored = exploreDesigns(TWO_PC_CLASSES, explore.designs, seedCases(explore.cases, ctx.rng), simulate, judge, firstProblem, (f) => ctx.progress(f));
    // The run the output draws is run once more, watched, for its timeline.
    const ex = explored.example;
    const design = ex && explore.designs.find((d) => d.name === ex.design);
    return ex && design ? { ...explored, example: { ...ex, run: simulateOnce(design.options, createRng(ex.at.value), true) } } : explored;
  },
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict, twoPcFindings),
});
