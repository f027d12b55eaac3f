// Step through a run: a scrubber and buttons (first, back, play, next, last, next finding), the keys
// ←/→, Home/End and n, the current step's message highlighted in the already-drawn sequence diagram
// with later ones dimmed, every actor's state at that step with what changed marked, and a filter
// that shows only the steps of the actors picked. Moving a step changes classes on SVG elements; it
// never draws the diagram again.
import type { StateTable, Timeline, TimelineStep } from "../src/protocol/output";
import { snapshots } from "../src/present/timeline";
import { button, el } from "./dom";

const CURRENT = "dsnb-step-current";
const FUTURE = "dsnb-step-future";
const HIDDEN = "dsnb-step-hidden";
const PLAY_MS = 700;

/** The SVG elements of each drawn line: Mermaid draws every note, then every message, in order. */
export function lineElements(svg: SVGSVGElement, kinds: string): Element[][] {
  const texts = [...svg.querySelectorAll("text.messageText")];
  const arrows = [...svg.querySelectorAll("line.messageLine0, line.messageLine1")];
  const notes = [...svg.querySelectorAll("rect.note")];
  let m = 0;
  let n = 0;
  return [...kinds].map((k) => {
    if (k === "m") {
      const i = m++;
      return [texts[i], arrows[i]].filter((e): e is Element => e !== undefined);
    }
    const rect = notes[n++];
    if (!rect) return [];
    return [rect, ...[...(rect.parentElement?.children ?? [])].filter((c) => c.classList.contains("noteText"))];
  });
}

function stepLabel(t: Timeline, at: number): string {
  if (at === 0) return `Start: nothing has happened yet (${t.steps.length} step${t.steps.length === 1 ? "" : "s"} ahead)`;
  const s = t.steps[at - 1]!;
  const whens: Record<string, string> = { none: "", request: `request ${s.atMs} · `, schedule: `during step ${s.atMs} of the cell · ` };
  const when = whens[t.clock ?? "ms"] ?? `t=${s.atMs} ms · `;
  return `Step ${at} of ${t.steps.length} · ${when}${s.actor}: ${s.text}${s.blame?.length ? ` · blamed by ${s.blame.join(", ")}` : ""}`;
}

export interface ExplorerHost {
  /** The diagram's SVG as drawn now (it is drawn again on theme changes). */
  svg(): SVGSVGElement | undefined;
  /** The diagram's frame, to scroll the current message into view sideways. */
  frame(): HTMLElement | undefined;
  readonly lineKinds: string;
}

export class TimelineExplorer {
  readonly element: HTMLElement;
  /** Where the run is shown: after step `at` (0: before any). It opens at the end, the whole run. */
  private at: number;
  /** Nothing is marked current until the learner moves: the run first reads as a whole. */
  private moved = false;
  private lines: Element[][] = [];
  /** For each drawn line, the step (from 1) that drew it; 0 for lines no step drew. */
  private readonly owner: number[];
  private readonly states: readonly (readonly StateTable[])[];
  private readonly hiddenActors = new Set<string>();
  private readonly slider: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly statePanel: HTMLElement;
  private readonly playButton: HTMLElement;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    doc: Document,
    private readonly timeline: Timeline,
    private readonly host: ExplorerHost,
  ) {
    this.at = timeline.steps.length;
    this.owner = new Array<number>(host.lineKinds.length).fill(0);
    timeline.steps.forEach((s, i) => {
      if (s.lines) for (let l = s.lines[0]; l < s.lines[0] + s.lines[1]; l++) this.owner[l] = i + 1;
    });
    this.states = snapshots(timeline);
    this.element = el(doc, "section", "dsnb-explorer");
    this.element.tabIndex = 0;
    this.element.setAttribute("role", "group");
    this.element.setAttribute("aria-label", "Step through the run (← → Home End, n: next finding)");
    this.slider = this.scrubber(doc);
    this.label = el(doc, "span", "dsnb-step-label");
    this.label.setAttribute("aria-live", "polite");
    this.playButton = button(doc, "dsnb-step-play", "Play", "Play the steps one after another", () => this.togglePlay());
    const bar = el(doc, "div", "dsnb-explorer-controls");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Steps");
    bar.append(
      button(doc, "dsnb-step-first", "First", "First: before any step", () => this.go(0)),
      button(doc, "dsnb-step-back", "◀", "Back one step", () => this.move(-1)),
      this.playButton,
      button(doc, "dsnb-step-next", "▶", "Next step", () => this.move(1)),
      button(doc, "dsnb-step-last", "Last", "Last step", () => this.go(this.timeline.steps.length)),
      this.slider,
      button(doc, "dsnb-step-finding", "Next finding", "Jump to the next step a finding blames", () => this.nextFinding()),
    );
    this.statePanel = el(doc, "div", "dsnb-state");
    this.element.append(bar, this.label, this.actorFilter(doc), this.statePanel);
    this.label.textContent = stepLabel(timeline, this.at);
    this.showState();
    this.element.addEventListener("keydown", (e) => this.onKey(e));
  }

  private scrubber(doc: Document): HTMLInputElement {
    const input = doc.createElement("input");
    input.type = "range";
    input.className = "dsnb-step-slider";
    input.min = "0";
    input.max = String(this.timeline.steps.length);
    input.value = String(this.timeline.steps.length);
    input.setAttribute("aria-label", "Step");
    input.addEventListener("input", () => this.go(Number(input.value)));
    return input;
  }

  private actorFilter(doc: Document): HTMLElement {
    const box = el(doc, "div", "dsnb-explorer-filter");
    const actors = [...new Set(this.timeline.steps.map((s) => s.actor))];
    if (actors.length < 2) return box;
    box.append(el(doc, "span", "dsnb-filter-label", "Show the steps of:"));
    for (const actor of actors) {
      const label = el(doc, "label", "dsnb-filter-actor");
      const input = doc.createElement("input");
      input.type = "checkbox";
      input.checked = true;
      input.addEventListener("change", () => {
        if (input.checked) this.hiddenActors.delete(actor);
        else this.hiddenActors.add(actor);
        this.paint(0, this.owner.length);
        this.go(this.at);
      });
      label.append(input, doc.createTextNode(` ${actor}`));
      box.append(label);
    }
    return box;
  }

  /** The explorer's keys, also bound on the diagram's frame. */
  onKey(e: KeyboardEvent): void {
    const keys: Record<string, () => void> = {
      ArrowRight: () => this.move(1),
      ArrowLeft: () => this.move(-1),
      Home: () => this.go(0),
      End: () => this.go(this.timeline.steps.length),
      n: () => this.nextFinding(),
    };
    const act = keys[e.key];
    if (!act || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    act();
  }

  private visible(step: TimelineStep): boolean {
    return !this.hiddenActors.has(step.actor);
  }

  /** One step forward or back, skipping the steps of actors filtered out. */
  move(direction: 1 | -1): void {
    let next = this.at + direction;
    while (next > 0 && next <= this.timeline.steps.length && !this.visible(this.timeline.steps[next - 1]!)) next += direction;
    if (next > this.timeline.steps.length) return; // no visible step ahead: stay
    this.go(Math.max(next, 0));
  }

  nextFinding(): void {
    const steps = this.timeline.steps;
    for (let k = 1; k <= steps.length; k++) {
      const i = ((this.at + k - 1) % steps.length) + 1;
      if (steps[i - 1]!.blame?.length) return this.go(i);
    }
  }

  /** The first step a finding blames, if any. */
  firstBlamed(code: string): number | undefined {
    const i = this.timeline.steps.findIndex((s) => s.blame?.includes(code));
    return i < 0 ? undefined : i + 1;
  }

  get position(): number {
    return this.at;
  }

  private togglePlay(): void {
    if (this.timer) return this.stop();
    if (this.at >= this.timeline.steps.length) this.go(0);
    this.playButton.textContent = "Pause";
    this.timer = setInterval(() => (this.at >= this.timeline.steps.length ? this.stop() : this.move(1)), PLAY_MS);
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.playButton.textContent = "Play";
  }

  /** Show the state after step `at` (0: before any step). */
  go(at: number): void {
    const from = this.at;
    this.at = at;
    this.moved = true;
    // Only the lines of the steps between the old and the new position change their look.
    const range = this.lineRange(Math.max(1, Math.min(from, at)), Math.max(from, at));
    if (range) this.paint(range[0], range[1]);
    this.slider.value = String(at);
    const label = stepLabel(this.timeline, at);
    this.label.textContent = label;
    this.slider.setAttribute("aria-valuetext", label);
    this.showState();
    this.reveal();
  }

  /** The drawn lines [start, end) of steps a..b (from 1). */
  private lineRange(a: number, b: number): [number, number] | undefined {
    let start = Infinity;
    let end = -1;
    for (let s = a; s <= b; s++) {
      const lines = this.timeline.steps[s - 1]?.lines;
      if (!lines) continue;
      start = Math.min(start, lines[0]);
      end = Math.max(end, lines[0] + lines[1]);
    }
    return end < 0 ? undefined : [start, end];
  }

  /** Sets the classes of lines [from, to) for the current position. */
  private paint(from: number, to: number): void {
    for (let l = Math.max(0, from); l < Math.min(to, this.lines.length); l++) {
      const step = this.owner[l] ?? 0;
      const hidden = step > 0 && !this.visible(this.timeline.steps[step - 1]!);
      for (const e of this.lines[l] ?? []) {
        e.classList.toggle(CURRENT, this.moved && step > 0 && step === this.at && !hidden);
        e.classList.toggle(FUTURE, step > this.at && !hidden);
        e.classList.toggle(HIDDEN, hidden);
      }
    }
  }

  private reveal(): void {
    const step = this.timeline.steps[this.at - 1];
    const target = step?.lines ? this.lines[step.lines[0]]?.[0] : undefined;
    const frameEl = this.host.frame();
    if (!target || !frameEl) return;
    const frame = frameEl.getBoundingClientRect();
    const box = target.getBoundingClientRect();
    if (box.left < frame.left || box.right > frame.right) frameEl.scrollLeft += box.left - frame.left - frame.width / 3;
  }

  /** Binds to the diagram as drawn now, and shows the current position on it. */
  attach(): void {
    const svg = this.host.svg();
    this.lines = svg ? lineElements(svg, this.host.lineKinds) : [];
    this.paint(0, this.lines.length);
  }

  private showState(): void {
    const doc = this.statePanel.ownerDocument;
    const now = this.at === 0 ? this.timeline.initial : this.states[this.at - 1]!;
    const before = this.at <= 1 ? this.timeline.initial : this.states[this.at - 2]!;
    this.statePanel.replaceChildren(
      ...now.map((t) =>
        stateTable(
          doc,
          t,
          before.find((b) => b.name === t.name),
          this.at > 0,
        ),
      ),
    );
  }

  dispose(): void {
    this.stop();
  }
}

/** One state table, with the cells that changed since the previous step marked. */
function stateTable(doc: Document, t: StateTable, before: StateTable | undefined, mark: boolean): HTMLElement {
  const fig = el(doc, "figure", "dsnb-state-table");
  const changedTable = mark && before !== t;
  fig.append(el(doc, "figcaption", changedTable ? "dsnb-changed" : undefined, t.name));
  const table = el(doc, "table");
  const head = el(doc, "tr");
  for (const c of t.columns) head.append(el(doc, "th", undefined, c));
  table.append(el(doc, "thead"), el(doc, "tbody"));
  table.tHead!.append(head);
  t.rows.forEach((row, r) => {
    const tr = el(doc, "tr");
    row.forEach((cell, c) => {
      const old = before?.rows[r]?.[c];
      const changed = changedTable && (before === undefined || r >= before.rows.length || old !== cell);
      tr.append(el(doc, "td", changed ? "dsnb-changed" : undefined, cell === null ? "" : String(cell)));
    });
    table.tBodies[0]!.append(tr);
  });
  if (t.rows.length === 0) {
    const tr = el(doc, "tr");
    const td = el(doc, "td", "dsnb-empty", "(empty)");
    td.colSpan = Math.max(1, t.columns.length);
    tr.append(td);
    table.tBodies[0]!.append(tr);
  }
  fig.append(table);
  return fig;
}
