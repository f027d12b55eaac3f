// Invariants of cache-aside: once every actor is done, the cache holds nothing older than the
// database; and no read returns a value older than the database held at that moment. Findings
// name the steps that caused them, so the learner can follow them in the diagram; over many runs,
// the stale-entry finding replays the first stale run as explicit steps.
import { verdictFrom, type Finding, type Replay, type Verdict } from "../../core/verdict";
import { exploreSummary, runSummary, staleEntries, staleEntry, staleRead, staleReads } from "./explain";
import { actorOrder, staleHits, staleStory, storyEvents, type CacheAsideResult, type RunTrace, type StrategyRuns } from "./model";

/** The stale-entry finding of one run, when it ends stale. */
function staleEntryFinding(trace: RunTrace): Finding | undefined {
  const story = staleStory(trace);
  if (!story) return undefined;
  return { severity: "error", code: "stale-entry", ...staleEntry(story, trace), events: storyEvents(story) };
}

function checkRun(trace: RunTrace): Verdict {
  const hits = staleHits(trace);
  const stale = staleEntryFinding(trace);
  const reads: Finding[] = hits.map((hit) => ({ severity: "error", code: "stale-read", ...staleRead(hit), events: [hit.seq] }));
  const { ok, bad } = runSummary(trace, stale, reads.length);
  return verdictFrom(stale ? [stale, ...reads] : reads, ok, bad);
}

/** The order of the steps decides the outcome, so a stale run replays as an explicit interleaving. */
function replaySteps(strategy: string, trace: RunTrace): Replay {
  return { remove: ["explore", "compare"], set: { strategy, steps: actorOrder(trace) } };
}

function strategyFindings(st: StrategyRuns): Finding[] {
  const findings: Finding[] = [];
  if (st.firstStale) {
    const first = st.firstStale.trace;
    const story = staleStory(first);
    const words = staleEntries(st, story && staleEntry(story, first));
    findings.push({ severity: "error", code: "stale-entry", ...words, replay: replaySteps(st.strategy, first) });
  }
  if (st.staleReads > 0) findings.push({ severity: "error", code: "stale-read", ...staleReads(st) });
  return findings;
}

export function check(result: CacheAsideResult): Verdict {
  if (result.mode === "run") return checkRun(result.trace);
  const { ok, bad } = exploreSummary(result.strategies);
  return verdictFrom(result.strategies.flatMap(strategyFindings), ok, bad);
}
