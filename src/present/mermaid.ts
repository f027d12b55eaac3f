// Builds every Mermaid diagram we draw (sequence diagrams, flowcharts, pies) from escaped parts, so no
// simulator writes Mermaid text by hand. Every string from a notebook passes through escapeText, and
// participants and nodes get generated ids, so names such as "end", "); click" or "<img onerror=…>"
// are drawn as text and can never change the diagram's structure.

/** Encode characters that Mermaid's sequence grammar or its HTML labels would interpret. */
export function escapeText(text: string): string {
  let out = "";
  for (const ch of text.replace(/\r\n|\r|\n|\t/g, " ")) {
    switch (ch) {
      case "#":
        out += "#35;";
        break;
      case ";":
        out += "#59;";
        break;
      case "<":
        out += "#lt;";
        break;
      case ">":
        out += "#gt;";
        break;
      case "&":
        out += "#amp;";
        break;
      case '"':
        out += "#quot;";
        break;
      case "%":
        out += "#37;";
        break;
      case "{":
        out += "#123;";
        break;
      case "}":
        out += "#125;";
        break;
      case ":":
        out += "#58;";
        break;
      case "\\":
        out += "#92;";
        break;
      case "`":
        out += "#96;";
        break;
      case "…":
        out += "#8230;";
        break;
      default: {
        const code = ch.codePointAt(0)!;
        out += code < 32 || code === 127 ? " " : ch;
      }
    }
  }
  return out.trim() || " ";
}

export type ArrowStyle = "call" | "reply" | "async" | "fault";
export type ParticipantShape = "participant" | "actor";

const ARROWS: Record<ArrowStyle, string> = {
  call: "->>",
  reply: "-->>",
  async: "-)",
  fault: "-x",
};

type Line =
  | { kind: "message"; from: string; to: string; text: string; style: ArrowStyle; highlight: boolean }
  | { kind: "note"; over: readonly string[]; text: string; highlight: boolean };

export interface SequenceOptions {
  /** Most messages and notes drawn; the rest are summarised in a final note. */
  readonly maxLines?: number;
  /** Number the arrows (1, 2, 3…) so prose can refer to steps. */
  readonly autonumber?: boolean;
}

/** Highlight colours are translucent so they read on light, dark and high-contrast themes. */
export const HIGHLIGHT_FILL = "rgba(230, 80, 80, 0.22)";

export class SequenceDiagram {
  private readonly participants: { id: string; name: string; shape: ParticipantShape }[] = [];
  private readonly lines: Line[] = [];

  constructor(private readonly options: SequenceOptions = {}) {}

  participant(name: string, shape: ParticipantShape = "participant"): this {
    if (!this.participants.some((p) => p.name === name)) this.participants.push({ id: `p${this.participants.length}`, name, shape });
    return this;
  }

  message(from: string, to: string, text: string, style: ArrowStyle = "call", highlight = false): this {
    this.participant(from).participant(to);
    this.lines.push({ kind: "message", from, to, text, style, highlight });
    return this;
  }

  note(over: string | readonly string[], text: string, highlight = false): this {
    const names = typeof over === "string" ? [over] : over;
    for (const n of names) this.participant(n);
    this.lines.push({ kind: "note", over: names, text, highlight });
    return this;
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** How many lines are drawn at most; the rest are counted in a last note. */
  get maxLines(): number {
    return this.options.maxLines ?? 80;
  }

  /**
   * Mermaid text, how many lines were left out, and what each drawn line is ("m" a message, "n" a
   * note, in order, the note counting what was left out included): a timeline finds its lines by it.
   */
  render(): { text: string; omitted: number; kinds: string } {
    const max = this.maxLines;
    const shown = this.lines.slice(0, max);
    const omitted = this.lines.length - shown.length;
    const id = (name: string) => this.participants.find((p) => p.name === name)!.id;
    const out: string[] = ["sequenceDiagram"];
    if (this.options.autonumber) out.push("  autonumber");
    for (const p of this.participants) out.push(`  ${p.shape} ${p.id} as ${escapeText(p.name)}`);
    let inRect = false;
    for (const line of shown) {
      if (line.highlight !== inRect) {
        out.push(line.highlight ? `  rect ${HIGHLIGHT_FILL}` : "  end");
        inRect = line.highlight;
      }
      const indent = inRect ? "    " : "  ";
      if (line.kind === "message") {
        out.push(`${indent}${id(line.from)}${ARROWS[line.style]}${id(line.to)}: ${escapeText(line.text)}`);
      } else {
        const over = line.over.map(id);
        const where = over.length === 1 ? `over ${over[0]}` : `over ${over[0]},${over[over.length - 1]}`;
        // A note over one participant is as wide as its text; one spanning several is as wide as
        // the span, so its text is wrapped to fit ("wrap:" cannot come from a label: ":" is escaped).
        out.push(`${indent}Note ${where}: ${over.length > 1 && over[0] !== over[over.length - 1] ? "wrap:" : ""}${escapeText(line.text)}`);
      }
    }
    if (inRect) out.push("  end");
    if (omitted > 0 && this.participants.length > 0) {
      const first = this.participants[0]!.id;
      const last = this.participants[this.participants.length - 1]!.id;
      const span = first === last ? first : `${first},${last}`;
      out.push(`  Note over ${span}: ${first === last ? "" : "wrap:"}${omitted} more event${omitted === 1 ? "" : "s"} not shown`);
    }
    const kinds = shown.map((l) => (l.kind === "message" ? "m" : "n")).join("") + (omitted > 0 && this.participants.length > 0 ? "n" : "");
    return { text: out.join("\n") + "\n", omitted, kinds };
  }
}

/** Ids we generate for flowchart nodes; never derived from notebook text. */
const NODE_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Styles are ours (constants in the presenters), never notebook text: colours, widths, commas. */
const STYLE = /^[A-Za-z0-9#:,.%() -]+$/;

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`Invalid Mermaid ${what}: ${JSON.stringify(value)}`);
  return value;
}

export type NodeShape = "box" | "circle";

export interface FlowNode {
  /** Our id for the node (letters, digits, _). */
  readonly id: string;
  /** The label: one string, or lines drawn one under another. */
  readonly label: string | readonly string[];
  readonly shape?: NodeShape;
}

function nodeText(n: FlowNode): string {
  const text = (typeof n.label === "string" ? [n.label] : n.label).map(escapeText).join("<br/>");
  const id = checked(n.id, NODE_ID, "node id");
  return n.shape === "circle" ? `${id}(("${text}"))` : `${id}["${text}"]`;
}

/**
 * A flowchart built from escaped parts: node ids are ours, every label goes through escapeText,
 * and styles must look like styles. Lines are written in the order they were added.
 */
export class Flowchart {
  private readonly lines: string[];
  private links = 0;

  constructor(direction: "LR" | "TB" = "LR") {
    this.lines = [`flowchart ${direction}`];
  }

  classDef(name: string, style: string): this {
    this.lines.push(`  classDef ${checked(name, NODE_ID, "class name")} ${checked(style, STYLE, "style")}`);
    return this;
  }

  node(n: FlowNode): this {
    this.lines.push(`  ${nodeText(n)}`);
    return this;
  }

  /** A link between two nodes already written (by id), or written here in full (as FlowNodes). Returns its index for linkStyle. */
  link(from: string | FlowNode, to: string | FlowNode, options: { readonly label?: string; readonly arrow?: boolean } = {}): number {
    const end = (n: string | FlowNode) => (typeof n === "string" ? checked(n, NODE_ID, "node id") : nodeText(n));
    const arrow = options.arrow === false ? "---" : "-->";
    const label = options.label !== undefined ? `|"${escapeText(options.label).replace(/\|/g, "#124;")}"|` : "";
    this.lines.push(`  ${end(from)} ${arrow}${label ? `${label} ` : " "}${end(to)}`);
    return this.links++;
  }

  linkStyle(indexes: readonly number[], style: string): this {
    if (indexes.length) this.lines.push(`  linkStyle ${indexes.join(",")} ${checked(style, STYLE, "style")}`);
    return this;
  }

  addClass(id: string, name: string): this {
    this.lines.push(`  ${checked(id, NODE_ID, "node id")}:::${checked(name, NODE_ID, "class name")}`);
    return this;
  }

  render(): string {
    return this.lines.join("\n") + "\n";
  }
}

/** A pie chart; slice labels are escaped, values are finite numbers. */
export function pieChart(title: string, slices: readonly { readonly label: string; readonly value: number }[], showData = true): string {
  const lines = [`pie${showData ? " showData" : ""} title ${escapeText(title)}`];
  for (const s of slices) {
    if (!Number.isFinite(s.value) || s.value < 0) throw new Error(`Invalid pie value ${s.value}`);
    lines.push(`  "${escapeText(s.label)}" : ${s.value}`);
  }
  return lines.join("\n") + "\n";
}
