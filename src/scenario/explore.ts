// The one key every simulator uses to ask for many runs instead of one: `explore:` takes a count
// (that many runs, each with its own seed drawn from the cell's seed), a list of seeds (one run
// each), or, where the runs can be listed, `all` (every interleaving). See docs/format.md.
import { MAX_SEED } from "../core/rng";
import { s } from "./schema";

const count = (max: number) => s.integer({ doc: "How many runs, each with its own seed drawn from the cell's seed.", min: 1, max });
const seeds = (max: number) =>
  s.array({ doc: "These seeds, one run each (replays chosen runs).", minItems: 1, maxItems: max, items: s.integer({ doc: "A seed.", min: 0, max: MAX_SEED }) });

/** `explore: <count>` or `explore: [seeds]`. */
export function exploreSeeded(doc: string, max: number) {
  return s.union({ doc, options: [count(max), seeds(max)] });
}

/** `explore: <count>`, `explore: all` or `explore: [seeds]`, for simulators that can list every case. */
export function exploreListed(doc: string, max: number, allDoc: string) {
  return s.union({ doc, options: [count(max), s.enum({ doc: allDoc, values: [{ value: "all", doc: allDoc }] }), seeds(max)] });
}
