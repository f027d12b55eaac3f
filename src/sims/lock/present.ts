// Pictures of a lock run: every message as a sequence diagram with each instance's key, each
// client's belief and the storage's last token step by step; who held the lock when; every write.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, StateTable, TableSpec } from "../../protocol/output";
import { SequenceDiagram } from "../../present/mermaid";
import { TimelineRecorder } from "../../present/timeline";
import type { Presentation } from "../types";
import type { LockEvent, LockResult, Snapshot } from "./model";
import type { Resolved } from "./scenario";

const MAX_LINES = 400;
const dash = (x: number | string | undefined): number | string => x ?? "—";

function tables(s: Snapshot): StateTable[] {
  return [
    {
      name: "instances",
      columns: ["instance", "clock (ms)", "key held by", "token", "expires at (its clock, ms)"],
      rows: s.instances.map((i) => [i.name, i.clockMs, dash(i.holder), dash(i.token), dash(i.expiresMs)]),
    },
    {
      name: "clients",
      columns: ["client", "believes it holds", "token", "valid until (ms)", "clock (ms)", "paused"],
      rows: s.clients.map((c) => [c.name, c.holds ? "holds" : "not", dash(c.token), dash(c.validUntilMs), c.clockMs, c.paused ? "paused" : "runs"]),
    },
    {
      name: "storage",
      columns: ["last token", "last writer", "writes accepted", "writes refused"],
      rows: [[dash(s.storage.lastToken), dash(s.storage.lastWriter), s.storage.accepted, s.storage.refused]],
    },
  ];
}

function draw(d: SequenceDiagram, e: LockEvent, hl: boolean): void {
  const text = `t=${e.atMs} ms: ${e.text}`;
  if (e.style === "note" || e.to === e.actor) d.note(e.actor, text, hl);
  else d.message(e.actor, e.to, text, e.style, hl);
}

function sequenceOf(result: LockResult, r: Resolved, verdict: Verdict) {
  const d = new SequenceDiagram({ maxLines: MAX_LINES });
  d.participant("A", "actor").participant("B", "actor");
  for (const n of r.names) d.participant(n);
  d.participant("storage");
  const hl = new Set(verdict.findings.flatMap((f) => f.events ?? []));
  const first = result.events[0];
  const rec = new TimelineRecorder(d, "sequence", first ? tables(first.state) : []);
  for (const e of result.events)
    rec.step(
      { atMs: e.atMs, actor: e.actor, text: e.style === "note" ? e.text : `→ ${e.to}: ${e.text}`, seq: e.seq },
      () => draw(d, e, hl.has(e.seq)),
      tables(e.state),
    );
  const { text, kinds } = d.render();
  const title = r.mode === "redlock" ? `Redlock over ${r.names.length} instances` : "A lease lock on one Redis instance";
  return { spec: { id: "sequence", title, mermaid: text, lineKinds: kinds }, timeline: rec.build() };
}

function holdersTable(result: LockResult): TableSpec {
  return {
    id: "holders",
    title: "Who believed they held the lock",
    summary: true,
    columns: ["client", "token", "from (ms)", "to (ms)", "write", "storage said"],
    rows: result.beliefs.map((b) => {
      const w = result.writes.find((x) => x.client === b.client && x.token === b.token);
      return [b.client, b.token, b.fromMs, dash(b.toMs), w ? `t=${w.atMs} ms` : "none", w ? (w.accepted ? "accepted" : "refused") : "—"];
    }),
  };
}

/** Clients believing they hold the lock, and instances holding a key, after each event (drawn as steps). */
function holdersChart(result: LockResult, r: Resolved): ChartSpec {
  const believers: { x: number; y: number }[] = [];
  const keys: { x: number; y: number }[] = [];
  const add = (points: { x: number; y: number }[], x: number, y: number) => {
    const last = points.at(-1);
    if (last && last.y === y) return;
    if (last) points.push({ x, y: last.y });
    points.push({ x, y });
  };
  for (const e of result.events) {
    add(believers, e.atMs, e.state.clients.filter((c) => c.holds).length);
    add(keys, e.atMs, e.state.instances.filter((i) => i.holder !== undefined).length);
  }
  const end = result.events.at(-1)?.atMs ?? 0;
  for (const points of [believers, keys]) if (points.length) points.push({ x: end, y: points.at(-1)!.y });
  const where = r.names.length > 1 ? `instances holding a key (a majority is ${r.quorum})` : "the instance holding the key";
  return {
    id: "holders-over-time",
    title: "Who holds the lock over time",
    kind: "line",
    x: { label: "time (ms)" },
    y: { label: "count" },
    series: [
      { name: "clients believing they hold it", points: believers },
      { name: r.names.length > 1 ? "instances with a key" : "instance with a key", points: keys },
    ],
    caption: `Above 1, the clients line is two holders at once; compare it with ${where}.`,
  };
}

/** The most clients believing at once. */
function mostHolders(result: LockResult): number {
  let most = 0;
  for (const b of result.beliefs) {
    const at = result.beliefs.filter((x) => x.fromMs <= b.fromMs && (x.toMs ?? Infinity) > b.fromMs).length;
    most = Math.max(most, at);
  }
  return most;
}

export function present(result: LockResult, verdict: Verdict, r: Resolved): Presentation {
  const seq = sequenceOf(result, r, verdict);
  const accepted = result.writes.filter((w) => w.accepted).length;
  const how = `${r.mode === "redlock" ? `Redlock (${r.names.length})` : "single instance"}, ttl ${r.ttlMs} ms, pause ${r.pauseMs} ms${r.fencing ? ", fencing" : ""}`;
  return {
    title: `A lock: ${how}`,
    diagrams: [seq.spec],
    timeline: seq.timeline,
    charts: [holdersChart(result, r)],
    tables: [holdersTable(result)],
    metrics: {
      grants: result.beliefs.length,
      mostHolders: mostHolders(result),
      writesAccepted: accepted,
      writesRefused: result.writes.length - accepted,
      renewals: Object.values(result.renewals).reduce((a, b) => a + b, 0),
    },
  };
}
