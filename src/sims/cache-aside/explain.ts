// The words learners read about a cache-aside run: one function per finding code (for one run, and
// counted over an exploration), and the verdict's summary. Steps are named by their numbers in the
// diagram, so the learner can follow the story there.
import { capitalize, count, share } from "../../present/prose";
import { stepNo, type GetEvent, type RunTrace, type StaleStory, type StrategyRuns } from "./model";

export interface Words {
  readonly title: string;
  readonly explanation: string;
}

/** The steps of the story, in the order they happened, as one sentence. */
function told(story: StaleStory): string {
  const { load, update, deletes, set } = story;
  const parts: [number, string][] = [];
  if (load) parts.push([load.seq, `the reader loaded v${load.version} from the database at step ${stepNo(load)}`]);
  if (update) parts.push([update.seq, `the writer committed v${update.version} at step ${stepNo(update)}`]);
  for (const d of deletes) parts.push([d.seq, `the key was deleted at step ${stepNo(d)}`]);
  parts.push([set.seq, `at step ${stepNo(set)} the reader stored the v${set.version} it had loaded (${set.reason})`]);
  parts.sort((a, b) => a[0] - b[0]);
  return parts.map(([, s], i) => (i === 0 ? capitalize(s) : s)).join(", then ");
}

/** stale-entry in one run: how the old version got into the cache after the write. */
export function staleEntry(story: StaleStory, trace: RunTrace): Words {
  const { cached } = story;
  const outcome = `So the cache holds v${cached.version} while the database holds v${trace.dbVersion}, and nothing removes it`;
  return {
    title: `Stale cache entry: v${cached.version} cached, v${trace.dbVersion} in the database`,
    explanation: `${told(story)}. ${outcome}: readers get the old value until the TTL expires at t=${cached.expiresAtMs} ms.`,
  };
}

/** stale-entry over many runs: how often, and the story of the first run that shows it. */
export function staleEntries(st: StrategyRuns, first: Words | undefined): Words {
  const { strategy, staleRuns, runs } = st;
  const ended = `${staleRuns} of ${runs} random interleavings ended with the cache holding an older version than the database`;
  return {
    title: `${strategy}: ${staleRuns} of ${runs} runs (${share(staleRuns, runs)}) left a stale entry`,
    explanation: `With ${strategy}, ${ended}. In run ${st.firstStale!.run} (the first one, shown in the diagram): ${first?.explanation ?? ""}`,
  };
}

/** stale-read in one run: a read after the write that hit the old version. */
export function staleRead(hit: GetEvent): Words {
  const got = `hit the cache and got v${hit.version}, but the database held v${hit.dbVersion}`;
  return {
    title: `Read ${hit.read} returned stale data`,
    explanation: `At step ${stepNo(hit)}, after the writer had finished, the reader's read ${hit.read} ${got}.`,
  };
}

/** stale-read over many runs: how many reads, and whether the staleness outlived the runs. */
export function staleReads(st: StrategyRuns): Words {
  const brief = st.staleRuns === 0 ? " The staleness was brief: every run still ended with the cache in step with the database." : "";
  return {
    title: `${st.strategy}: ${st.staleReads} of ${st.reads} reads (${share(st.staleReads, st.reads)}) returned stale data`,
    explanation: `These reads came after the write had completed, hit the cache and got a version older than the database's.${brief}`,
  };
}

/** The verdict's sentence for one run: all in step, or what went stale. */
export function runSummary(trace: RunTrace, stale: Words | undefined, staleReadCount: number): { ok: string; bad: string } {
  const final = trace.cache ? `the cache holds v${trace.cache.version}` : "the cache is empty";
  const left = stale && stale.title.toLowerCase().replace("stale cache entry: ", "");
  return {
    ok: `No stale data: after the last step ${final} and the database holds v${trace.dbVersion}.`,
    bad: left ? `The cache was left stale: ${left}.` : `${count(staleReadCount, "read")} returned stale data.`,
  };
}

/** The verdict's sentence for an exploration. */
export function exploreSummary(strategies: readonly StrategyRuns[]): { ok: string; bad: string } {
  const names = strategies.map((s) => s.strategy).join(", ");
  const stale = strategies.filter((s) => s.staleRuns + s.staleReads > 0).map((s) => s.strategy);
  return {
    ok: `No stale entries and no stale reads in ${strategies[0]?.runs ?? 0} random interleavings (${names}).`,
    bad: `Stale data in ${stale.join(", ")}.`,
  };
}
