// Tables, charts and a sequence diagram for an eviction run: miss ratios per policy and size, the
// miss-ratio curve on a log axis, the hit ratio over time, and the first requests step by step.
import type { Verdict } from "../../core/verdict";
import type { Cell, ChartSpec, DiagramSpec, StateTable, TableSpec, Timeline } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import { capitalize, count, noun, percent, round } from "../../present/prose";
import type { Presentation } from "../types";
import { missRatio, VIEW_LIMIT, type CacheRun, type EvictionResult, type LabelledEntry, type LabelledView } from "./model";
import type { Resolved } from "./scenario";

function sizeLabel(size: number, options: Resolved): string {
  return `${size.toLocaleString("en-US")} ${options.capacity === "bytes" ? "bytes" : noun(size, "object")}`;
}

/** Metric names: "miss ratio @ lru", or "miss ratio @ lru @ 1000" when several sizes run. */
function metricName(what: string, policy: string, size: number, sizes: number): string {
  return sizes > 1 ? `${what} @ ${policy} @ ${size}` : `${what} @ ${policy}`;
}

const EVICTED_ROWS = 8;

/**
 * The tables of what the cache holds after a step, in the policy's order with its marks (capped per
 * queue, and said so): `first` fixes their names and columns for the whole run.
 */
function cacheTables(first: LabelledView, policy: string, noted: boolean): (view: LabelledView) => StateTable[] {
  const { order, queues, mark } = first;
  const name = `cache (${policy}): ${order}; ${VIEW_LIMIT} per queue at most`;
  const ghostName = `ghost ids, remembered but not cached; ${VIEW_LIMIT} per queue at most`;
  const columns = ["object"];
  if (queues) columns.unshift("queue");
  if (mark) columns.push(mark);
  if (noted) columns.push("note");
  const row = (e: LabelledEntry): Cell[] => {
    const r: Cell[] = [];
    if (queues) r.push(e.queue ?? null);
    r.push(e.gap !== undefined ? `… ${e.gap} more` : e.label!);
    if (mark) r.push(e.gap !== undefined ? null : (e.mark ?? null));
    if (noted) r.push(e.note ?? null);
    return r;
  };
  const ghostRow = (e: LabelledEntry): Cell[] => [e.queue ?? null, e.gap !== undefined ? `… ${e.gap} more` : e.label!];
  return (view) => {
    const tables: StateTable[] = [{ name, columns, rows: view.entries.map(row) }];
    if (first.ghosts) tables.push({ name: ghostName, columns: ["queue", "object"], rows: (view.ghosts ?? []).map(ghostRow) });
    if (view.figures) tables.push({ name: `${policy} figures`, columns: Object.keys(view.figures), rows: [Object.values(view.figures)] });
    return tables;
  };
}

/** The first requests as a sequence diagram, and step by step (one step per request) as a timeline. */
function firstRequests(result: EvictionResult, options: Resolved): { spec: DiagramSpec; timeline: Timeline } | undefined {
  if (result.steps.length === 0) return undefined;
  const run = result.runs[0]!;
  const cache = `cache (${run.policy}, ${sizeLabel(run.size, options)})`;
  const d = new SequenceDiagram({ maxLines: 120, autonumber: false });
  d.participant("client", "actor").participant(cache).participant("database");
  const first = result.steps[0]!.view;
  const noted = result.steps.some((st) => st.view.entries.some((e) => e.note !== undefined));
  const tablesOf = cacheTables(first, run.policy, noted);
  const tally = { hits: 0, misses: 0, evictions: 0 };
  const evicted: Cell[][] = [];
  const counts = (requests: number): StateTable => ({
    name: "requests so far",
    columns: ["requests", "hits", "misses", "evictions"],
    rows: [[requests, tally.hits, tally.misses, tally.evictions]],
  });
  const gone = (): StateTable => ({
    name: `evicted (latest first, ${EVICTED_ROWS} at most)`,
    columns: ["request", "object"],
    rows: evicted.slice(0, EVICTED_ROWS),
  });
  const zero = first.figures ? Object.fromEntries(Object.keys(first.figures).map((k) => [k, 0])) : undefined;
  const empty = { ...first, entries: [], ...(first.ghosts ? { ghosts: [] } : {}), held: 0, ...(zero ? { figures: zero } : {}) };
  const rec = new TimelineRecorder(d, "first-requests", [...tablesOf(empty), counts(0), gone()]);
  // Views are shared between requests that changed nothing (see traceFirst): only new ones are tabled.
  let shown: LabelledView | undefined;
  result.steps.forEach((step, i) => {
    const n = i + 1;
    if (step.kind === "hit") tally.hits++;
    else {
      tally.misses++;
      tally.evictions += step.evicted.length;
      for (const id of step.evicted) evicted.unshift([n, id]);
    }
    const changed = [counts(n), ...(step.kind === "miss" && step.evicted.length ? [gone()] : [])];
    if (step.view !== shown) changed.push(...tablesOf(step.view));
    shown = step.view;
    const text =
      step.kind === "hit"
        ? `get ${step.label}: hit`
        : `get ${step.label}: miss, loaded from the database${step.evicted.length ? `; evicts ${step.evicted.join(", ")}` : ""}${step.admitted ? "" : `; ${step.label} not admitted`}`;
    rec.step(
      { atMs: n, actor: cache, text },
      () => {
        d.message("client", cache, `get ${step.label}`);
        if (step.kind === "hit") {
          d.message(cache, "client", "hit", "reply");
          return;
        }
        d.message(cache, "database", `miss: load ${step.label}`);
        d.message("database", cache, step.label, "reply");
        if (step.evicted.length > 0) d.note(cache, `evict ${step.evicted.join(", ")}`, true);
        if (!step.admitted) d.note(cache, `${step.label} not admitted`);
        d.message(cache, "client", step.label, "reply");
      },
      changed,
    );
  });
  const { text, omitted, kinds } = d.render();
  const title = `The first ${result.steps.length} requests through ${run.policy}`;
  return {
    spec: { id: "first-requests", title, mermaid: text, lineKinds: kinds, ...(omitted ? { omittedEvents: omitted } : {}) },
    timeline: { ...rec.build(), clock: "request" },
  };
}

/** How a run is measured: by objects, or by bytes with `capacity: bytes`. */
interface Measure {
  readonly byBytes: boolean;
  /** "miss ratio" or "byte miss ratio". */
  readonly what: string;
  readonly ratioOf: (r: CacheRun) => number;
}

function measureOf(result: EvictionResult, options: Resolved): Measure {
  const byBytes = options.capacity === "bytes";
  return {
    byBytes,
    what: byBytes ? "byte miss ratio" : "miss ratio",
    ratioOf: (r) => (byBytes ? r.missBytes / Math.max(1, result.bytes) : missRatio(r)),
  };
}

const runAt = (result: EvictionResult, policy: string, size: number) => result.runs.find((r) => r.policy === policy && r.size === size)!;

function tables(result: EvictionResult, options: Resolved, m: Measure): TableSpec[] {
  const { sizes, policies } = result;
  const byteRatio = (r: CacheRun) => (m.byBytes ? [percent(r.missBytes / Math.max(1, result.bytes), 2)] : []);
  return [
    {
      id: "miss-ratios",
      title: `${capitalize(m.what)} by policy and cache size`,
      summary: true,
      columns: ["policy", ...sizes.map((s) => sizeLabel(s, options))],
      rows: policies.map((p) => [p, ...sizes.map((s) => percent(m.ratioOf(runAt(result, p, s)), 2))]),
    },
    {
      id: "counts",
      title: "Hits and misses",
      columns: ["policy", "cache size", "hits", "misses", "evictions", "miss ratio", ...(m.byBytes ? ["byte miss ratio"] : [])],
      rows: result.runs.map((r) => [r.policy, r.size, r.hits, r.misses, r.evictions, percent(missRatio(r), 2), ...byteRatio(r)]),
    },
  ];
}

const TIMELINE_CAPTIONS: Partial<Record<Resolved["workload"], string>> = {
  scan: "Dips are the scans: watch which policies fall with them and how fast each recovers.",
  shifting: "Each dip is the hot set moving: the time to climb back is how fast a policy forgets the old favourites.",
};

/** The hit ratio per timeline window at the first size, one line per policy. */
function hitRatioOverTime(result: EvictionResult, options: Resolved): ChartSpec {
  const size = result.sizes[0]!;
  return {
    id: "hit-ratio-over-time",
    title: `Hit ratio over time at ${sizeLabel(size, options)}`,
    kind: "line",
    x: { label: "requests" },
    y: { label: "hit ratio", percent: true },
    series: result.policies.map((p) => {
      const r = runAt(result, p, size);
      let end = 0;
      return { name: p, points: result.windowRequests.map((n, w) => ({ x: (end += n), y: round(r.windowHits[w]! / Math.max(1, n), 6) })) };
    }),
    caption: TIMELINE_CAPTIONS[options.workload] ?? "The climb at the start is the cache warming up.",
  };
}

function charts(result: EvictionResult, options: Resolved, m: Measure): ChartSpec[] {
  const { sizes, policies } = result;
  const out: ChartSpec[] = [];
  if (sizes.length > 1) {
    out.push({
      id: "mrc",
      title: `Miss-ratio curves (${result.source})`,
      kind: "line",
      x: { label: m.byBytes ? "cache size (bytes)" : "cache size (objects)", scale: "log" },
      y: { label: m.what, percent: true },
      series: policies.map((p) => ({ name: p, points: sizes.map((s) => ({ x: s, y: round(m.ratioOf(runAt(result, p, s)), 6) })) })),
      caption: "Lower is better; the gap between two curves at one size is the difference their policy makes with that much memory.",
    });
  } else if (policies.length > 1) {
    out.push({
      id: "miss-ratio",
      title: `${capitalize(m.what)} at ${sizeLabel(sizes[0]!, options)}`,
      kind: "bar",
      x: { label: "policy", scale: "band" },
      y: { label: m.what, percent: true },
      series: [{ name: m.what, points: policies.map((p) => ({ x: p, y: round(m.ratioOf(result.runs.find((r) => r.policy === p)!), 6) })) }],
    });
  }
  if (result.windowRequests.length > 1) out.push(hitRatioOverTime(result, options));
  return out;
}

function metrics(result: EvictionResult, m: Measure): Record<string, number> {
  const out: Record<string, number> = {
    requests: result.requests,
    objects: result.distinctObjects,
    "compulsory miss ratio": round(result.distinctObjects / result.requests, 6),
  };
  const sizes = result.sizes.length;
  for (const r of result.runs) {
    out[metricName("miss ratio", r.policy, r.size, sizes)] = round(missRatio(r), 6);
    out[metricName("evictions", r.policy, r.size, sizes)] = r.evictions;
    if (m.byBytes) out[metricName("byte miss ratio", r.policy, r.size, sizes)] = round(r.missBytes / Math.max(1, result.bytes), 6);
  }
  return out;
}

export function present(result: EvictionResult, _verdict: Verdict, options: Resolved): Presentation {
  const { runs, sizes, policies } = result;
  const m = measureOf(result, options);
  const first = firstRequests(result, options);
  const headline =
    runs.length === 1
      ? `${runs[0]!.policy} at ${sizeLabel(runs[0]!.size, options)}: ${percent(m.ratioOf(runs[0]!), 2)} ${m.what}`
      : `${policies.join(", ")} at ${count(sizes.length, "size")}`;
  return {
    title: `${headline} (${result.requests.toLocaleString("en-US")} requests, ${result.source})`,
    diagrams: first ? [first.spec] : [],
    ...(first ? { timeline: first.timeline } : {}),
    charts: charts(result, options, m),
    tables: tables(result, options, m),
    metrics: metrics(result, m),
  };
}
