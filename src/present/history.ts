// A history drawn as Porcupine's visualiser draws one: each client's operations as intervals on a
// time axis, one row per operation, the offending ones marked. Mermaid's gantt chart does this with
// `dateFormat x` (times as plain numbers): one section per client, one task per operation, `crit`
// for the operations a finding blames, `active` for an operation that never returned (drawn to the
// end of the history), a milestone for one that took no time. Labels pass through escapeText like
// every other diagram's.
import { showAction, type Operation } from "../core/consistency/history";
import { escapeText } from "./mermaid";

export interface HistoryDiagramOptions {
  readonly title?: string;
  /** Operation ids to mark (a finding's `events`). */
  readonly marked?: Iterable<number>;
  /** An order of operation ids (a linearization, or the longest partial one) to number the bars by. */
  readonly order?: readonly number[];
  /** Most operations drawn: those nearest the marked ones in time; the title counts the rest. Default 60. */
  readonly maxOperations?: number;
}

/** The gantt's axis labels: times are drawn as milliseconds since 0. */
function axisFormat(maxTime: number): string {
  if (maxTime < 1000) return "%L";
  if (maxTime < 60_000) return "%S.%L";
  return "%M:%S";
}

/** Keeps the operations nearest in time to the marked ones (or the first ones when none is marked). */
function pick(history: readonly Operation[], marked: ReadonlySet<number>, max: number): Operation[] {
  if (history.length <= max) return [...history];
  const hot = history.filter((o) => marked.has(o.id));
  if (hot.length === 0) return [...history].sort((a, b) => a.call - b.call || a.id - b.id).slice(0, max);
  const from = hot.reduce((t, o) => Math.min(t, o.call), Number.POSITIVE_INFINITY);
  const to = hot.reduce((t, o) => Math.max(t, o.ret ?? o.call), Number.NEGATIVE_INFINITY);
  const distance = (o: Operation) => (marked.has(o.id) ? -1 : Math.max(0, from - (o.ret ?? Number.POSITIVE_INFINITY), o.call - to));
  const keep = new Set([...history].sort((a, b) => distance(a) - distance(b) || a.call - b.call || a.id - b.id).slice(0, max));
  return history.filter((o) => keep.has(o));
}

function label(op: Operation, position: number | undefined): string {
  const outcome = op.kind === "cas" && op.ok !== undefined ? (op.ok ? " ok" : " failed") : "";
  const version = op.version !== undefined ? ` v${op.version}` : "";
  const pending = op.ret === undefined ? " (no reply)" : "";
  const place = position !== undefined ? ` [${position}]` : "";
  return `${showAction(op)}${outcome}${version}${pending}${place}`;
}

/** Mermaid gantt text for the history, and how many operations were left out. */
export function historyGantt(history: readonly Operation[], options: HistoryDiagramOptions = {}): { text: string; omitted: number } {
  const marked = new Set(options.marked ?? []);
  const shown = pick(history, marked, options.maxOperations ?? 60);
  const omitted = history.length - shown.length;
  const position = new Map((options.order ?? []).map((id, i) => [id, i + 1]));
  const index = new Map(history.map((o, i) => [o, i]));
  const last = Math.round(shown.reduce((t, o) => Math.max(t, o.call, o.ret ?? o.call), 0));
  const openEnd = last + Math.max(1, Math.round(last / 20));
  const title = [options.title, omitted > 0 ? `${omitted} more operation${omitted === 1 ? "" : "s"} not shown` : undefined].filter(Boolean).join(" · ");
  const lines = ["gantt"];
  if (title) lines.push(`  title ${escapeText(title)}`);
  lines.push("  dateFormat x", `  axisFormat ${axisFormat(openEnd)}`, "  todayMarker off");
  const clients = [...new Set(shown.map((o) => o.client))];
  for (const client of clients) {
    lines.push(`  section ${escapeText(client)}`);
    for (const op of shown.filter((o) => o.client === client).sort((a, b) => a.call - b.call || a.id - b.id)) {
      const start = Math.round(op.call);
      const end = op.ret === undefined ? Math.max(openEnd, start) : Math.max(Math.round(op.ret), start);
      const tags = [marked.has(op.id) ? "crit" : "", op.ret === undefined ? "active" : "", end === start ? "milestone" : ""].filter(Boolean);
      lines.push(`  ${escapeText(label(op, position.get(op.id)))} :${tags.map((t) => `${t}, `).join("")}op${index.get(op)}, ${start}, ${end}`);
    }
  }
  return { text: lines.join("\n") + "\n", omitted };
}
