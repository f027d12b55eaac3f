// Tables, charts and a sequence diagram for an eviction run: miss ratios per policy and size, the
// miss-ratio curve on a log axis, the hit ratio over time, and the first requests step by step.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, DiagramSpec, TableSpec } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import type { Presentation } from "../types";
import { missRatio, pct } from "./check";
import type { EvictionResult } from "./model";
import type { Options } from "./scenario";

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function sizeLabel(size: number, options: Options): string {
  return `${size.toLocaleString("en-US")} ${options.capacity === "bytes" ? "bytes" : size === 1 ? "object" : "objects"}`;
}

/** Metric names: "miss ratio @ lru", or "miss ratio @ lru @ 1000" when several sizes run. */
function metricName(what: string, policy: string, size: number, sizes: number): string {
  return sizes > 1 ? `${what} @ ${policy} @ ${size}` : `${what} @ ${policy}`;
}

function firstRequests(result: EvictionResult, options: Options): DiagramSpec | undefined {
  if (result.steps.length === 0) return undefined;
  const run = result.runs[0]!;
  const cache = `cache (${run.policy}, ${sizeLabel(run.size, options)})`;
  const d = new SequenceDiagram({ maxLines: 120, autonumber: false });
  d.participant("client", "actor").participant(cache).participant("database");
  for (const step of result.steps) {
    d.message("client", cache, `get ${step.label}`);
    if (step.kind === "hit") {
      d.message(cache, "client", "hit", "reply");
      continue;
    }
    d.message(cache, "database", `miss: load ${step.label}`);
    d.message("database", cache, step.label, "reply");
    if (step.evicted.length > 0) d.note(cache, `evict ${step.evicted.join(", ")}`, true);
    if (!step.admitted) d.note(cache, `${step.label} not admitted`);
    d.message(cache, "client", step.label, "reply");
  }
  const { text, omitted } = d.render();
  return { id: "first-requests", title: `The first ${result.steps.length} requests through ${run.policy}`, mermaid: text, ...(omitted ? { omittedEvents: omitted } : {}) };
}

export function present(result: EvictionResult, _verdict: Verdict, options: Options): Presentation {
  const { runs, sizes, policies } = result;
  const charts: ChartSpec[] = [];
  const tables: TableSpec[] = [];
  const diagrams: DiagramSpec[] = [];
  const byBytes = options.capacity === "bytes";
  const ratioOf = (r: (typeof runs)[number]) => (byBytes ? r.missBytes / Math.max(1, result.bytes) : missRatio(r));
  const what = byBytes ? "byte miss ratio" : "miss ratio";

  tables.push({
    id: "miss-ratios",
    title: `${what[0]!.toUpperCase()}${what.slice(1)} by policy and cache size`,
    summary: true,
    columns: ["policy", ...sizes.map((s) => sizeLabel(s, options))],
    rows: policies.map((p) => [p, ...sizes.map((s) => pct(ratioOf(runs.find((r) => r.policy === p && r.size === s)!)))]),
  });
  tables.push({
    id: "counts",
    title: "Hits and misses",
    columns: ["policy", "cache size", "hits", "misses", "evictions", "miss ratio", ...(byBytes ? ["byte miss ratio"] : [])],
    rows: runs.map((r) => [r.policy, r.size, r.hits, r.misses, r.evictions, pct(missRatio(r)), ...(byBytes ? [pct(r.missBytes / Math.max(1, result.bytes))] : [])]),
  });

  if (sizes.length > 1) {
    charts.push({
      id: "mrc",
      title: `Miss-ratio curves (${result.source})`,
      kind: "line",
      x: { label: byBytes ? "cache size (bytes)" : "cache size (objects)", scale: "log" },
      y: { label: what, percent: true },
      series: policies.map((p) => ({ name: p, points: sizes.map((s) => ({ x: s, y: round(ratioOf(runs.find((r) => r.policy === p && r.size === s)!)) })) })),
      caption: "Lower is better; the gap between two curves at one size is the difference their policy makes with that much memory.",
    });
  } else if (policies.length > 1) {
    charts.push({
      id: "miss-ratio",
      title: `${what[0]!.toUpperCase()}${what.slice(1)} at ${sizeLabel(sizes[0]!, options)}`,
      kind: "bar",
      x: { label: "policy", scale: "band" },
      y: { label: what, percent: true },
      series: [{ name: what, points: policies.map((p) => ({ x: p, y: round(ratioOf(runs.find((r) => r.policy === p)!)) })) }],
    });
  }
  const timelineSize = sizes[0]!;
  if (result.windowRequests.length > 1) {
    charts.push({
      id: "hit-ratio-over-time",
      title: `Hit ratio over time at ${sizeLabel(timelineSize, options)}`,
      kind: "line",
      x: { label: "requests" },
      y: { label: "hit ratio", percent: true },
      series: policies.map((p) => {
        const r = runs.find((x) => x.policy === p && x.size === timelineSize)!;
        let end = 0;
        return { name: p, points: result.windowRequests.map((n, w) => ({ x: (end += n), y: round(r.windowHits[w]! / Math.max(1, n)) })) };
      }),
      caption: options.workload === "scan" ? "Dips are the scans: watch which policies fall with them and how fast each recovers." : options.workload === "shifting" ? "Each dip is the hot set moving: the time to climb back is how fast a policy forgets the old favourites." : "The climb at the start is the cache warming up.",
    });
  }
  const first = firstRequests(result, options);
  if (first) diagrams.push(first);

  const metrics: Record<string, number> = { requests: result.requests, objects: result.distinctObjects, "compulsory miss ratio": round(result.distinctObjects / result.requests) };
  for (const r of runs) {
    metrics[metricName("miss ratio", r.policy, r.size, sizes.length)] = round(missRatio(r));
    metrics[metricName("evictions", r.policy, r.size, sizes.length)] = r.evictions;
    if (byBytes) metrics[metricName("byte miss ratio", r.policy, r.size, sizes.length)] = round(r.missBytes / Math.max(1, result.bytes));
  }
  const headline = runs.length === 1 ? `${runs[0]!.policy} at ${sizeLabel(runs[0]!.size, options)}: ${pct(ratioOf(runs[0]!))} ${what}` : `${policies.join(", ")} at ${sizes.length} size${sizes.length === 1 ? "" : "s"}`;
  return { title: `${headline} (${result.requests.toLocaleString("en-US")} requests, ${result.source})`, diagrams, charts, tables, metrics };
}
