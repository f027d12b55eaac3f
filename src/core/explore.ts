// Exploring many runs: every design (a setting of the cell, as in `compare:`) runs on the same
// cases (seeds drawn from the cell's seed, seeds given by the cell, or every interleaving), each run
// is judged (an outcome class, finding codes, counts to sum), and the first case of each outcome
// and code is kept so it can be replayed and drawn. Shared by every simulator that explores.
import { MAX_SEED, type Rng } from "./rng";
import type { Finding, Replay, ReplayValue, Verdict } from "./verdict";

/** What the cell's `explore:` asks for: a number of seeded runs, given seeds, or every case. */
export type ExploreSpec = number | "all" | readonly number[];

/** The cell keys that select a design, written into a replayed cell. */
export type DesignKeys = Readonly<Record<string, ReplayValue>>;

export interface Design<O> {
  readonly name: string;
  readonly options: O;
  /** The cell keys that select this design (absent for the cell as written). */
  readonly keys?: DesignKeys;
}

/** One run's judgement. */
export interface Judgement<C extends string> {
  readonly outcome: C;
  /** Finding codes the run showed (each counted once per run). */
  readonly codes: readonly string[];
  /** Counts summed over the runs (reads, stale reads, waits…). */
  readonly measures?: Readonly<Record<string, number>>;
}

/** A case and its place among the cases (from 1), as prose names it ("run 17"). */
export interface CaseRef<K> {
  readonly index: number;
  readonly value: K;
}

export interface Tally<C extends string, K = number> {
  readonly design: string;
  readonly keys?: DesignKeys;
  readonly runs: number;
  readonly counts: Record<C, number>;
  /** How many runs showed each finding code. */
  readonly codes: Record<string, number>;
  /** The first case of each outcome. */
  readonly first: Partial<Record<C, CaseRef<K>>>;
  /** The first case showing each finding code. */
  readonly firstCode: Record<string, CaseRef<K>>;
  /** Each measure summed over the runs. */
  readonly sums: Record<string, number>;
}

/** The seeds an `explore:` count or list stands for: a count draws that many from the cell's generator. */
export function seedCases(spec: number | readonly number[], rng: Rng): number[] {
  return typeof spec === "number" ? Array.from({ length: spec }, () => rng.int(0, MAX_SEED)) : [...spec];
}

/** Runs every design on every case, in order, reporting progress about every hundred runs. */
export function exploreCases<C extends string, K, O>(
  classes: readonly C[],
  designs: readonly Design<O>[],
  cases: readonly K[],
  runOne: (options: O, value: K) => Judgement<C>,
  progress: (fraction: number) => void = () => {},
): Tally<C, K>[] {
  const total = cases.length * designs.length;
  let done = 0;
  return designs.map((d) => {
    const t: Tally<C, K> = {
      design: d.name,
      ...(d.keys ? { keys: d.keys } : {}),
      runs: cases.length,
      counts: Object.fromEntries(classes.map((c) => [c, 0])) as Record<C, number>,
      codes: {},
      first: {},
      firstCode: {},
      sums: {},
    };
    cases.forEach((value, i) => {
      if (++done % 100 === 0) progress(done / total);
      add(t, runOne(d.options, value), { index: i + 1, value });
    });
    return t;
  });
}

function add<C extends string, K>(t: Tally<C, K>, j: Judgement<C>, at: CaseRef<K>): void {
  t.counts[j.outcome]++;
  t.first[j.outcome] ??= at;
  for (const c of new Set(j.codes)) {
    t.codes[c] = (t.codes[c] ?? 0) + 1;
    t.firstCode[c] ??= at;
  }
  for (const [k, v] of Object.entries(j.measures ?? {})) t.sums[k] = (t.sums[k] ?? 0) + v;
}

/** An exploration's result: the tallies, and one run that went wrong, run again for its diagram. */
export interface Explored<C extends string, R, K = number> {
  readonly mode: "explore";
  readonly tallies: readonly Tally<C, K>[];
  readonly example?: { readonly design: string; readonly run: R; readonly at: CaseRef<K> };
}

/**
 * Explores every design on the same cases, then runs again the case `pick` chooses from the first
 * design where one went wrong, for its diagram.
 */
export function exploreDesigns<C extends string, K, O, R>(
  classes: readonly C[],
  designs: readonly Design<O>[],
  cases: readonly K[],
  simulate: (options: O, value: K) => R,
  judge: (run: R) => Judgement<C>,
  pick: (t: Tally<C, K>) => CaseRef<K> | undefined,
  progress?: (fraction: number) => void,
): Explored<C, R, K> {
  const tallies = exploreCases(classes, designs, cases, (o, k) => judge(simulate(o, k)), progress);
  for (const [i, t] of tallies.entries()) {
    const at = pick(t);
    if (at) return { mode: "explore", tallies, example: { design: t.design, run: simulate(designs[i]!.options, at.value), at } };
  }
  return { mode: "explore", tallies };
}

/** How an exploration names its cases and replays one: seeds by default. */
export interface CaseWords<K> {
  /** "run 17, seed 2699206679". */
  readonly name: (at: CaseRef<K>) => string;
  /** The cell edit that replays the case on its own under the tally's design. */
  readonly replay: (at: CaseRef<K>, t: Tally<string, K>) => Replay;
}

/** Seeded runs: replayed by dropping `explore` and `compare`, writing the design's keys and the seed. */
export const SEEDED: CaseWords<number> = {
  name: (at) => `run ${at.index}, seed ${at.value}`,
  replay: (at, t) => ({ seed: at.value, remove: ["explore", "compare"], ...(t.keys ? { set: t.keys } : {}) }),
};

/** Findings and a verdict for an exploration: one finding per design and code seen, most frequent first. */
export function exploreVerdict<C extends string, K>(
  tallies: readonly Tally<C, K>[],
  bad: readonly C[],
  what: string,
  describe: (code: string) => string,
  words: CaseWords<K>,
): Verdict {
  const findings: Finding[] = [];
  for (const t of tallies) {
    for (const [code, count] of Object.entries(t.codes).sort((a, b) => b[1] - a[1])) {
      const at = t.firstCode[code];
      findings.push({
        severity: "error",
        code,
        title: `${t.design}: ${code} in ${count} of ${t.runs} runs`,
        explanation: `${describe(code)} With ${t.design}, ${count} of ${t.runs} ${what} showed it.${at ? ` The first run that shows it is ${words.name(at)}: replay it on its own to follow it step by step.` : ""}`,
        ...(at ? { replay: words.replay(at, t as Tally<string, K>) } : {}),
      });
    }
  }
  const clean = tallies.filter((t) => bad.every((c) => t.counts[c] === 0)).map((t) => t.design);
  const summary = `${tallies[0]?.runs ?? 0} seeded runs per design: ${tallies.map((t) => `${t.design} ${bad.map((c) => `${t.counts[c]} ${c}`).join(", ")}`).join("; ")}.${clean.length && clean.length < tallies.length ? ` Only ${clean.join(", ")} stayed clean.` : ""}`;
  return { valid: tallies.every((t) => bad.every((c) => t.counts[c] === 0)), summary, findings };
}
