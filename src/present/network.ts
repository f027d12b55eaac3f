// One sequence diagram per run of the message-passing world (src/core/network.ts): services as participants, messages
// as arrows (requests solid, replies dashed, events open, losses crossed), and local transactions,
// compensations, failures, retries and crashes as notes with their own words in front.
import { SequenceDiagram } from "./mermaid";
import type { WorldEvent } from "../core/network";

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

export interface DiagramOptions {
  readonly participants: readonly string[];
  readonly caption: string;
  readonly highlight: ReadonlySet<number>;
  /** Leave out messages with this label (acknowledgements, say) to keep the picture readable. */
  readonly hideLabels?: ReadonlySet<string>;
  readonly maxLines?: number;
  /** A last note, over every participant. */
  readonly ending?: string;
  readonly endingHighlighted?: boolean;
}

export function worldDiagram(events: readonly WorldEvent[], o: DiagramOptions): { text: string; omitted: number } {
  const d = new SequenceDiagram({ maxLines: o.maxLines ?? 120 });
  for (const p of o.participants) d.participant(p);
  const first = o.participants[0]!;
  const last = o.participants[o.participants.length - 1]!;
  d.note([first, last], o.caption);
  for (const e of events) {
    const hl = o.highlight.has(e.seq);
    switch (e.kind) {
      case "send":
        break;
      case "receive":
        if (o.hideLabels?.has(e.text)) break;
        d.message(e.peer!, e.actor, `${e.text}${e.copy ? " (duplicate delivery)" : ""}`, e.style ?? "call", hl);
        break;
      case "drop":
        if (o.hideLabels?.has(e.text.replace(/ \(lost.*$/, ""))) break;
        d.message(e.actor, e.peer!, e.text, "fault", hl);
        break;
      default:
        d.note(e.actor, `${PREFIX[e.kind] ?? ""}${e.text}`, hl);
    }
  }
  if (o.ending) d.note([first, last], o.ending, o.endingHighlighted ?? false);
  return d.render();
}
