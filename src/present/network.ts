// One sequence diagram per run of the message-passing world (src/core/network.ts): services as participants, messages
// as arrows (requests solid, replies dashed, events open, losses crossed), and local transactions,
// compensations, failures, retries and crashes as notes with their own words in front.
//
// Drawing can record the run's timeline at the same time (`timeline`): one step per event the
// diagram draws, with the simulator's own state tables after it (from its watched run) and two the
// network keeps for every simulator on it, folded from the trace: the messages in flight (as the
// next step finds them, so a request sent right after a step is in flight at that step) and the
// services that are down (or paused).
import { SequenceDiagram } from "./mermaid";
import { TimelineRecorder } from "./timeline";
import type { WorldEvent } from "../core/network";
import type { DiagramSpec, StateTable, Timeline } from "../protocol/output";

const PREFIX: Partial<Record<WorldEvent["kind"], string>> = {
  commit: "",
  rollback: "ROLLBACK ",
  compensate: "COMPENSATE ",
  fail: "FAILED ",
  crash: "",
  recover: "RECOVER ",
  retry: "RETRY ",
  log: "",
  blocked: "WAIT ",
  dedup: "DEDUP ",
  note: "",
};

/** Messages in flight listed at most; the rest are counted in one row. */
const MAX_IN_FLIGHT = 6;

export interface WorldTimelineOptions {
  /** The simulator's tables before the first event. */
  readonly initial: readonly StateTable[];
  /** The simulator's tables after an event the diagram draws (every actor's state, whole). */
  readonly after: (event: WorldEvent) => readonly StateTable[];
  /** The simulator's tables when the run came to rest, for the ending's step (default: after the last event). */
  readonly final?: readonly StateTable[];
  /** When the run came to rest, for the ending's step (default: the last event's time). */
  readonly endMs?: number;
}

export interface DiagramOptions {
  readonly participants: readonly string[];
  /** Participants drawn as people (clients), the others as boxes. */
  readonly actors?: ReadonlySet<string>;
  readonly caption: string;
  readonly highlight: ReadonlySet<number>;
  /** Leave out messages with this label (acknowledgements, say) to keep the picture readable. */
  readonly hideLabels?: ReadonlySet<string>;
  readonly maxLines?: number;
  /** A last note, over every participant. */
  readonly ending?: string;
  readonly endingHighlighted?: boolean;
  /** Record the run step by step while drawing it, on the diagram with this id. */
  readonly timeline?: WorldTimelineOptions & { readonly diagramId: string };
}

export interface WorldDiagram {
  readonly text: string;
  readonly omitted: number;
  /** What each drawn line is (DiagramSpec.lineKinds). */
  readonly kinds: string;
  /** Present when asked for (DiagramOptions.timeline). */
  readonly timeline?: Timeline;
}

/** What a drawn event says in the explorer: a note's words as drawn, a message with who sent it to whom. */
export function stepWords(e: WorldEvent): string {
  switch (e.kind) {
    case "receive":
      return `receives ${e.text} from ${e.peer}${e.copy ? " (duplicate delivery)" : ""}`;
    case "drop": {
      const lost = /^(.*) \((lost.*)\)$/.exec(e.text);
      return lost ? `${lost[1]} to ${e.peer}: ${lost[2]}` : `${e.text} to ${e.peer}`;
    }
    default:
      return `${PREFIX[e.kind] ?? ""}${e.text}`;
  }
}

/** The network's own state, folded from the trace: messages sent and not yet delivered or lost, services down. */
class NetworkState {
  private readonly inFlight = new Map<number, { readonly label: string; readonly from: string; readonly to: string }>();
  private readonly down = new Map<string, number>();
  /** Paused services (running nothing, state kept), listed with the down ones. */
  private readonly paused = new Map<string, number>();

  constructor(private readonly hidden: ReadonlySet<string> | undefined) {}

  apply(e: WorldEvent): void {
    switch (e.kind) {
      case "send":
        if (e.msg !== undefined && !this.hidden?.has(e.text)) this.inFlight.set(e.msg, { label: e.text, from: e.actor, to: e.peer! });
        break;
      case "receive":
      case "drop":
        if (e.msg !== undefined) this.inFlight.delete(e.msg);
        break;
      case "crash":
        this.down.set(e.actor, e.atMs);
        break;
      case "recover":
        this.down.delete(e.actor);
        break;
      case "pause":
        this.paused.set(e.actor, e.atMs);
        break;
      case "resume":
        this.paused.delete(e.actor);
        break;
    }
  }

  tables(): StateTable[] {
    const flying = [...this.inFlight.values()];
    const rows: (readonly string[])[] = flying.slice(0, MAX_IN_FLIGHT).map((m) => [m.label, m.from, m.to]);
    if (flying.length > MAX_IN_FLIGHT) rows.push([`… ${flying.length - MAX_IN_FLIGHT} more`, "", ""]);
    return [
      { name: "in flight", columns: ["message", "from", "to"], rows },
      {
        name: "down",
        columns: ["service", "since (ms)"],
        rows: [...[...this.down].map(([s, at]) => [s, at]), ...[...this.paused].map(([s, at]) => [`${s} (paused)`, at])],
      },
    ];
  }
}

export function worldDiagram(events: readonly WorldEvent[], o: DiagramOptions): WorldDiagram {
  const d = new SequenceDiagram({ maxLines: o.maxLines ?? 120 });
  for (const p of o.participants) d.participant(p, o.actors?.has(p) ? "actor" : "participant");
  const first = o.participants[0]!;
  const last = o.participants[o.participants.length - 1]!;
  d.note([first, last], o.caption);
  const tl = o.timeline;
  const net = tl ? new NetworkState(o.hideLabels) : undefined;
  const rec = tl ? new TimelineRecorder(d, tl.diagramId, [...tl.initial, ...net!.tables()]) : undefined;
  let waiting: { readonly e: WorldEvent; readonly draw: () => void } | undefined;
  const flush = () => {
    if (!waiting) return;
    const { e, draw } = waiting;
    waiting = undefined;
    rec!.step({ atMs: e.atMs, actor: e.actor, text: stepWords(e), seq: e.seq }, draw, [...tl!.after(e), ...net!.tables()]);
  };
  for (const e of events) {
    const hl = o.highlight.has(e.seq);
    let draw: (() => void) | undefined;
    switch (e.kind) {
      case "send":
        break;
      case "receive":
        if (o.hideLabels?.has(e.text)) break;
        draw = () => d.message(e.peer!, e.actor, `${e.text}${e.copy ? " (duplicate delivery)" : ""}`, e.style ?? "call", hl);
        break;
      case "drop":
        if (o.hideLabels?.has(e.text.replace(/ \(lost.*$/, ""))) break;
        draw = () => d.message(e.actor, e.peer!, e.text, "fault", hl);
        break;
      default:
        draw = () => d.note(e.actor, `${PREFIX[e.kind] ?? ""}${e.text}`, hl);
    }
    if (!rec) {
      draw?.();
      continue;
    }
    // A step shows the network as the next step finds it: what its actor sent right after is in flight.
    if (draw) flush();
    net!.apply(e);
    if (draw) waiting = { e, draw };
  }
  flush();
  if (o.ending) {
    const draw = () => d.note([first, last], o.ending!, o.endingHighlighted ?? false);
    if (rec) {
      const lastEvent = events[events.length - 1];
      const state = tl!.final ?? (lastEvent ? tl!.after(lastEvent) : tl!.initial);
      rec.step({ atMs: tl!.endMs ?? lastEvent?.atMs ?? 0, actor: first, text: o.ending }, draw, [...state, ...net!.tables()]);
    } else draw();
  }
  const { text, omitted, kinds } = d.render();
  return { text, omitted, kinds, ...(rec ? { timeline: rec.build() } : {}) };
}

/** The states a simulator kept of its run for the explorer: before the first event, after each event that changed something, at rest. */
export interface WatchedRun<S> {
  readonly before: S;
  readonly after: ReadonlyMap<number, S>;
  readonly end: S;
}

export interface WorldSequenceOptions<S> extends Omit<DiagramOptions, "timeline"> {
  readonly id: string;
  readonly title: string;
  /** When present, the diagram carries its timeline: each drawn event shows the tables of the state after it. */
  readonly watched?: WatchedRun<S>;
  readonly tables: (state: S) => readonly StateTable[];
  readonly endMs: number;
}

/** A run on the network as a diagram of the output, with its timeline when the run was watched. */
export function worldSequence<S>(events: readonly WorldEvent[], o: WorldSequenceOptions<S>): { spec: DiagramSpec; timeline?: Timeline } {
  const { id, title, watched: w, tables, endMs, ...drawing } = o;
  const timeline = w && {
    diagramId: id,
    initial: tables(w.before),
    after: (e: { readonly seq: number }) => tables(w.after.get(e.seq) ?? w.end),
    final: tables(w.end),
    endMs,
  };
  const d = worldDiagram(events, { ...drawing, ...(timeline ? { timeline } : {}) });
  return {
    spec: { id, title, mermaid: d.text, lineKinds: d.kinds, ...(d.omitted ? { omittedEvents: d.omitted } : {}) },
    ...(d.timeline ? { timeline: d.timeline } : {}),
  };
}
