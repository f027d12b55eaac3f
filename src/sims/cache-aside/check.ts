// Invariants of cache-aside: once every actor is done, the cache holds nothing older than the
// database; and no read returns a value older than the database held at that moment. Findings
// name the steps that caused them, so the learner can follow them in the diagram.
import { verdictFrom, type Finding, type Verdict } from "../../core/verdict";
import { endsStale, staleHits, type CacheAsideResult, type CacheEvent, type RunTrace } from "./model";

/** Steps are numbered from 1 in the order they happened, as the diagram labels them. */
export const stepNo = (e: CacheEvent): number => e.seq + 1;

function ofKind<K extends CacheEvent["kind"]>(events: readonly CacheEvent[], kind: K): Extract<CacheEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<CacheEvent, { kind: K }> => e.kind === kind);
}

/** Why the cache ended stale: the set that stored the old version and what overtook it. */
export function explainStaleEntry(trace: RunTrace): Finding | undefined {
  if (!endsStale(trace)) return undefined;
  const cached = trace.cache!;
  const sets = ofKind(trace.events, "set").filter((s) => s.stored && s.version === cached.version);
  const set = sets[sets.length - 1];
  if (!set) return undefined;
  const load = ofKind(trace.events, "load").filter((l) => l.read === set.read && l.seq < set.seq).pop();
  const update = ofKind(trace.events, "update").find((u) => u.version > cached.version);
  const deletes = ofKind(trace.events, "delete").filter((d) => d.seq < set.seq);
  // Tell the story in the order it happened.
  const told: [number, string][] = [];
  if (load) told.push([load.seq, `the reader loaded v${load.version} from the database at step ${stepNo(load)}`]);
  if (update) told.push([update.seq, `the writer committed v${update.version} at step ${stepNo(update)}`]);
  for (const d of deletes) told.push([d.seq, `the key was deleted at step ${stepNo(d)}`]);
  told.push([set.seq, `at step ${stepNo(set)} the reader stored the v${set.version} it had loaded (${set.reason})`]);
  told.sort((a, b) => a[0] - b[0]);
  const story = told.map(([, s], i) => (i === 0 ? s[0]!.toUpperCase() + s.slice(1) : s)).join(", then ");
  const parts = [`${story}.`, `So the cache holds v${cached.version} while the database holds v${trace.dbVersion}, and nothing removes it: readers get the old value until the TTL expires at t=${cached.expiresAtMs} ms.`];
  return {
    severity: "error",
    code: "stale-entry",
    title: `Stale cache entry: v${cached.version} cached, v${trace.dbVersion} in the database`,
    explanation: parts.join(" "),
    events: [load?.seq, update?.seq, ...deletes.map((d) => d.seq), set.seq].filter((n): n is number => n !== undefined),
  };
}

function explainStaleReads(trace: RunTrace): Finding[] {
  return staleHits(trace).map((hit) => ({
    severity: "error" as const,
    code: "stale-read",
    title: `Read ${hit.kind === "get" ? hit.read : ""} returned stale data`,
    explanation: hit.kind === "get" ? `At step ${stepNo(hit)}, after the writer had finished, the reader's read ${hit.read} hit the cache and got v${hit.version}, but the database held v${hit.dbVersion}.` : "",
    events: [hit.seq],
  }));
}

/** Who took each step of a run, in order: the run as an explicit `steps:` list. */
export function actorOrder(trace: RunTrace): ("reader" | "writer")[] {
  return trace.events.flatMap((e) => (e.actor === "reader" || e.actor === "writer" ? [e.actor] : []));
}

const pct = (n: number, d: number) => (d === 0 ? "0%" : `${((100 * n) / d).toFixed(1)}%`);

export function check(result: CacheAsideResult): Verdict {
  if (result.mode === "explicit") {
    const findings = [...explainStaleReads(result.trace)];
    const stale = explainStaleEntry(result.trace);
    if (stale) findings.unshift(stale);
    const final = result.trace.cache ? `the cache holds v${result.trace.cache.version}` : "the cache is empty";
    return verdictFrom(findings, `No stale data: after the last step ${final} and the database holds v${result.trace.dbVersion}.`, stale ? `The cache was left stale: ${stale.title.toLowerCase().replace("stale cache entry: ", "")}.` : `${findings.length} read${findings.length === 1 ? "" : "s"} returned stale data.`);
  }
  const findings: Finding[] = [];
  for (const st of result.stats) {
    if (st.staleRuns > 0) {
      const first = st.firstStale!;
      const why = explainStaleEntry(first.trace);
      findings.push({
        severity: "error",
        code: "stale-entry",
        title: `${st.strategy}: ${st.staleRuns} of ${st.runs} runs (${pct(st.staleRuns, st.runs)}) left a stale entry`,
        explanation: `With ${st.strategy}, ${st.staleRuns} of ${st.runs} random interleavings ended with the cache holding an older version than the database. In run ${first.run} (the first one, shown in the diagram): ${why?.explanation ?? ""}`,
        // The order of the steps decides the outcome, so that run replays as an explicit interleaving.
        replay: { remove: ["runs", "compare"], set: { strategy: st.strategy, steps: actorOrder(first.trace) } },
      });
    }
    if (st.staleReads > 0) {
      findings.push({
        severity: "error",
        code: "stale-read",
        title: `${st.strategy}: ${st.staleReads} of ${st.reads} reads (${pct(st.staleReads, st.reads)}) returned stale data`,
        explanation: `These reads came after the write had completed, hit the cache and got a version older than the database's.${st.staleRuns === 0 ? " The staleness was brief: every run still ended with the cache in step with the database." : ""}`,
      });
    }
  }
  const names = result.stats.map((s) => s.strategy).join(", ");
  return verdictFrom(findings, `No stale entries and no stale reads in ${result.stats[0]?.runs ?? 0} random interleavings (${names}).`, `Stale data in ${result.stats.filter((s) => s.staleRuns + s.staleReads > 0).map((s) => s.strategy).join(", ")}.`);
}
