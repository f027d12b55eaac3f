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
    if (!explore) return { mode: "run", run: simulateOnce(run, ctx.rng) };
    const simulate = (o: Setup, seed: number) => simulateOnce(o, createRng(seed));
    return exploreDesigns(TWO_PC_CLASSES, explore.designs, seedCases(explore.cases, ctx.rng), simulate, judge, firstProblem, (f) => ctx.progress(f));
  },
  check: (result) => check(result),
  present: (result, verdict) => present(result, verdict, twoPcFindings),
});
