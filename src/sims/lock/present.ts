// Pictures of a lock run: every message as a sequence diagram with each instance's key, each
// client's belief and the storage's last token step by step; who held the lock when; every write.
import type { Verdict } from "../../core/verdict";
import type { ChartSpec, StateTable, TableSpec } from "../../protocol/output";
import { worldSequence } from "../../present/network";
import type { Presentation } from "../types";
import type { LockResult, Snapshot } from "./model";
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

function sequenceOf(result: LockResult, r: Resolved, verdict: Verdict) {
  const how = r.mode === "redlock" ? `Redlock over ${r.names.length} instances (a majority is ${r.quorum})` : "one Redis instance";
  const pause = r.pauseMs > 0 ? `, A pauses ${r.pauseMs} ms before writing` : "";
  return worldSequence(result.trace, {
    id: "sequence",
    title: r.mode === "redlock" ? `Redlock over ${r.names.length} instances` : "A lease lock on one Redis instance",
    participants: ["A", "B", ...r.names, "storage"],
    actors: new Set(["A", "B"]),
    caption: `A and B take a ${r.ttlMs} ms lease on ${how}${pause}${r.fencing ? "; the storage checks fencing tokens" : ""}`,
    highlight: new Set(verdict.findings.flatMap((f) => f.events ?? [])),
    maxLines: MAX_LINES,
    watched: result.watched,
    tables,
    endMs: result.trace.at(-1)?.atMs ?? 0,
  });
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
    ...(seq.timeline ? { timeline: seq.timeline } : {}),
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
