// Draws one run output, summary first: header (with the seed), verdict and findings, expectations,
// the summary tables (comparison matrices), then the diagrams (collapsible, at a readable size),
// charts and the other tables. Every string from a notebook enters the page as text (textContent),
// never as markup; findings' inline Markdown is built as DOM nodes. Mermaid runs in strict mode.
// Failures show inline, never as a blank box.
import type { Finding } from "../src/core/verdict";
import type { ChartSpec, DiagramSpec, RunOutput, TableSpec } from "../src/protocol/output";
import { drawChart } from "./charts";
import { button, el } from "./dom";
import { appendInline } from "./inline";
import { bindZoom, type ZoomControl } from "./zoom";
import { TimelineExplorer } from "./explorer";
import { knobBar } from "./knobs";

export interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

/**
 * What the host can do for an output. In the notebook these post messages to the extension; in
 * exported pages and hosts without messaging they are absent and their buttons are not shown.
 */
export interface RunActions {
  /** Open the whole output in an editor-sized panel. */
  openPanel?(): void;
  openDiagram?(diagramId: string): void;
  /** Run the cell again with a new seed, without editing the file. */
  newSeed?(): void;
  /** Write this run's seed into the cell. */
  pinSeed?(): void;
  /** Run the cell with its own seed again. */
  runCellSeed?(): void;
  /** Insert a cell below that replays the first run behind finding `index`, and run it. */
  replay?(index: number): void;
  /** Open the reference entry of a finding code. */
  openFinding?(code: string): void;
  /** Set an option of the cell (a knob), then run it again. */
  setKnob?(key: string, value: string | number | boolean): void;
  /** Put the cell back as the lesson has it, and run it. */
  resetLesson?(): void;
}

export interface RenderDeps {
  /** Mermaid, or a loader that imports it when the first diagram is drawn (the notebook renderer). */
  readonly mermaid: MermaidApi | (() => Promise<MermaidApi>);
  /** Mermaid theme settings for the current VS Code theme. */
  readonly mermaidConfig: () => Record<string, unknown>;
  readonly actions?: RunActions;
  /** An exported page holding the cell's knob combinations: its choice knobs work (see knobs.ts). */
  readonly knobsInPage?: boolean;
}

let nextId = 0;

export function renderError(root: HTMLElement, title: string, message: string, detail?: string): void {
  const doc = root.ownerDocument;
  const box = el(doc, "div", "dsnb-error");
  box.setAttribute("role", "alert");
  box.append(el(doc, "strong", undefined, title), el(doc, "p", undefined, message));
  if (detail) box.append(el(doc, "pre", "dsnb-source", detail));
  root.append(box);
}

const VERDICT_TEXT = { true: ["valid", "✔ Valid"], false: ["violated", "✖ Violated"], unknown: ["unknown", "? Undecided"] } as const;

function seedLine(doc: Document, out: RunOutput, actions: RunActions | undefined): HTMLElement {
  const box = el(doc, "span", "dsnb-seed-box");
  const seed = el(doc, "span", "dsnb-seed", `seed ${out.seed}`);
  seed.title = "The same cell and seed replay this run exactly";
  box.append(seed);
  if (out.cellSeed !== undefined) {
    box.append(el(doc, "span", "dsnb-seed-note", `a new seed: the cell's own is ${out.cellSeed}`));
    if (actions?.pinSeed) box.append(button(doc, "dsnb-pin-seed", "Pin this seed", `Write seed ${out.seed} into the cell`, () => actions.pinSeed!()));
    if (actions?.runCellSeed)
      box.append(
        button(doc, "dsnb-cell-seed", `Back to seed ${out.cellSeed}`, `Run the cell again with its own seed, ${out.cellSeed}`, () => actions.runCellSeed!()),
      );
  }
  if (actions?.newSeed)
    box.append(button(doc, "dsnb-new-seed", "New seed", "Run this cell once more with a new seed, without changing the file", () => actions.newSeed!()));
  return box;
}

function header(doc: Document, out: RunOutput, actions: RunActions | undefined): HTMLElement {
  const h = el(doc, "header", "dsnb-header");
  const title = el(doc, "h3", "dsnb-title", out.title);
  const meta = el(doc, "div", "dsnb-meta");
  meta.append(el(doc, "span", "dsnb-sim", out.simulatorTitle));
  if (out.cellId) meta.append(el(doc, "span", "dsnb-cell-id", `cell ${out.cellId}`));
  meta.append(seedLine(doc, out, actions));
  if (actions?.openPanel) meta.append(button(doc, "dsnb-open-panel", "Open in a panel", "Open this output in an editor panel", () => actions.openPanel!()));
  h.append(title, meta);
  return h;
}

function finding(doc: Document, f: Finding, index: number, actions: RunActions | undefined, explorer: TimelineExplorer | undefined): HTMLElement {
  const item = el(doc, "li", `dsnb-finding dsnb-severity-${f.severity}`);
  const head = el(doc, "div", "dsnb-finding-head");
  head.append(el(doc, "strong", undefined, f.title));
  if (actions?.openFinding) {
    const code = el(doc, "a", "dsnb-code", f.code);
    code.href = "#";
    code.title = `What "${f.code}" means`;
    code.addEventListener("click", (e) => {
      e.preventDefault();
      actions.openFinding!(f.code);
    });
    head.append(code);
  } else head.append(el(doc, "code", "dsnb-code", f.code));
  const text = el(doc, "p");
  appendInline(text, f.explanation);
  item.append(head, text);
  if (f.replay && actions?.replay)
    item.append(
      button(doc, "dsnb-replay", "Replay this run", "Insert a cell below that replays this run on its own, and run it", () => actions.replay!(index)),
    );
  const step = explorer?.firstBlamed(f.code);
  if (explorer && step !== undefined) {
    const show = button(doc, "dsnb-show-step", `Show step ${step}`, `Step to ${step}, the first step this finding blames`, () => {
      explorer.go(step);
      explorer.element.focus();
    });
    show.dataset.step = String(step);
    item.append(show);
  }
  return item;
}

function expectations(doc: Document, out: RunOutput): HTMLElement | undefined {
  if (!out.expectations?.length) return undefined;
  const held = out.expectations.filter((e) => e.ok).length;
  const box = el(doc, "div", `dsnb-expectations ${held === out.expectations.length ? "dsnb-held" : "dsnb-missed"}`);
  box.append(el(doc, "strong", undefined, `Expectations: ${held} of ${out.expectations.length} held`));
  const list = el(doc, "ul");
  for (const e of out.expectations)
    list.append(el(doc, "li", e.ok ? "dsnb-ok" : "dsnb-not-ok", `${e.ok ? "✔" : "✖"} ${e.expectation}${e.ok ? "" : ` (got: ${e.actual})`}`));
  box.append(list);
  return box;
}

function verdict(doc: Document, out: RunOutput, actions: RunActions | undefined, explorer: TimelineExplorer | undefined): HTMLElement {
  const [cls, label] = VERDICT_TEXT[String(out.verdict.valid) as keyof typeof VERDICT_TEXT];
  const section = el(doc, "section", `dsnb-verdict dsnb-verdict-${cls}`);
  section.setAttribute("aria-label", "Checker verdict");
  const summary = el(doc, "p", "dsnb-summary");
  summary.append(el(doc, "span", "dsnb-badge", label), doc.createTextNode(" "));
  appendInline(summary, out.verdict.summary);
  section.append(summary);
  if (out.verdict.findings.length) {
    const list = el(doc, "ul", "dsnb-findings");
    out.verdict.findings.forEach((f, i) => list.append(finding(doc, f, i, actions, explorer)));
    section.append(list);
  }
  const exp = expectations(doc, out);
  if (exp) section.append(exp);
  return section;
}

/** Short cell text stays on one line; longer text wraps. */
const ONE_LINE_CHARS = 32;

function cellText(cell: TableSpec["rows"][number][number]): string {
  if (cell === null) return "";
  if (typeof cell === "number" && !Number.isInteger(cell)) return String(Number(cell.toPrecision(4)));
  return String(cell);
}

export function table(doc: Document, spec: TableSpec): HTMLElement {
  const wrap = el(doc, "figure", `dsnb-table${spec.summary ? " dsnb-summary-table" : ""}`);
  wrap.append(el(doc, "figcaption", undefined, spec.title));
  const t = el(doc, "table");
  const head = el(doc, "tr");
  for (const c of spec.columns) {
    const th = el(doc, "th", undefined, c);
    th.scope = "col";
    head.append(th);
  }
  t.append(el(doc, "thead"), el(doc, "tbody"));
  t.tHead!.append(head);
  for (const row of spec.rows) {
    const tr = el(doc, "tr");
    for (const cell of row) {
      const text = cellText(cell);
      const classes = [typeof cell === "number" ? "dsnb-num" : "", text.length <= ONE_LINE_CHARS ? "dsnb-nowrap" : ""].filter(Boolean).join(" ");
      tr.append(el(doc, "td", classes || undefined, text));
    }
    t.tBodies[0]!.append(tr);
  }
  const scroller = el(doc, "div", "dsnb-table-scroll");
  scroller.append(t);
  wrap.append(scroller);
  return wrap;
}

interface DiagramSlot {
  readonly spec: DiagramSpec;
  readonly slot: HTMLElement;
  readonly zoom: ZoomControl;
}

/** One rendered output; redraws its diagrams and charts when the theme changes. */
export class RunView {
  private readonly diagramSlots: DiagramSlot[] = [];
  private explorer: TimelineExplorer | undefined;
  private readonly chartSlots: { spec: ChartSpec; slot: HTMLElement }[] = [];
  private disposed = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly out: RunOutput,
    private readonly deps: RenderDeps,
  ) {}

  /** Draws the output; `diagramsOnly` draws just its diagrams (a diagram's own panel). */
  async render(diagramsOnly = false): Promise<void> {
    const doc = this.root.ownerDocument;
    const container = el(doc, "div", "dsnb-output");
    if (this.out.cellId) container.dataset.cellId = this.out.cellId;
    const actions = this.deps.actions;
    if (diagramsOnly) {
      for (const spec of this.out.diagrams) container.append(this.diagramFigure(doc, spec));
      this.root.append(container);
      return this.redraw();
    }
    this.explorer = this.out.timeline ? this.makeExplorer(doc) : undefined;
    container.append(header(doc, this.out, actions));
    const knobs = knobBar(doc, this.out, actions, { inPage: this.deps.knobsInPage ?? false });
    if (knobs) container.append(knobs);
    container.append(verdict(doc, this.out, actions, this.explorer));
    for (const spec of this.out.tables) if (spec.summary) container.append(table(doc, spec));
    for (const spec of this.out.diagrams) container.append(this.diagramFigure(doc, spec));
    for (const spec of this.out.charts) container.append(this.chartFigure(doc, spec));
    for (const spec of this.out.tables) if (!spec.summary) container.append(table(doc, spec));
    this.root.append(container);
    await this.redraw();
  }

  /** The step-through of the run, bound to the diagram its timeline names. */
  private makeExplorer(doc: Document): TimelineExplorer | undefined {
    const timeline = this.out.timeline!;
    const spec = this.out.diagrams.find((d) => d.id === timeline.diagramId);
    if (!spec || timeline.steps.length === 0) return undefined;
    const slot = () => this.diagramSlots.find((d) => d.spec.id === spec.id)?.slot;
    return new TimelineExplorer(doc, timeline, { svg: () => slot()?.querySelector("svg") ?? undefined, frame: slot, lineKinds: spec.lineKinds ?? "" });
  }

  private diagramFigure(doc: Document, spec: DiagramSpec): HTMLElement {
    const fig = el(doc, "details", "dsnb-diagram");
    fig.open = true;
    fig.dataset.diagram = spec.id;
    const summary = el(doc, "summary", "dsnb-diagram-title", spec.title);
    const bar = el(doc, "div", "dsnb-diagram-toolbar");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", `View of ${spec.title}`);
    const level = el(doc, "span", "dsnb-zoom-level", "100%");
    level.setAttribute("aria-live", "polite");
    bar.append(
      button(doc, "dsnb-zoom-out", "−", "Zoom out"),
      level,
      button(doc, "dsnb-zoom-in", "+", "Zoom in"),
      button(doc, "dsnb-zoom-toggle", "Fit to width", "Fit the diagram to the width of the output"),
      button(doc, "dsnb-open-full", "Open full size", `Open ${spec.title} full size`),
      button(doc, "dsnb-copy", "Copy Mermaid", `Copy the Mermaid text of ${spec.title}`),
    );
    const slot = el(doc, "div", "dsnb-diagram-body");
    slot.tabIndex = 0;
    const explorer = this.explorer && this.out.timeline?.diagramId === spec.id ? this.explorer : undefined;
    fig.append(summary, bar, ...(explorer ? [explorer.element] : []), slot);
    if (explorer) slot.addEventListener("keydown", (e) => explorer.onKey(e));
    const openDiagram = this.deps.actions?.openDiagram;
    const zoom = bindZoom(fig, openDiagram ? { openFull: () => openDiagram(spec.id) } : {});
    const copy = bar.querySelector<HTMLElement>(".dsnb-copy")!;
    copy.addEventListener("click", () => void this.copy(spec.mermaid, copy));
    this.diagramSlots.push({ spec, slot, zoom });
    return fig;
  }

  private chartFigure(doc: Document, spec: ChartSpec): HTMLElement {
    const fig = el(doc, "figure", "dsnb-chart");
    fig.append(el(doc, "figcaption", undefined, spec.title));
    const slot = el(doc, "div", "dsnb-chart-body");
    fig.append(slot);
    if (spec.caption) fig.append(el(doc, "p", "dsnb-caption", spec.caption));
    this.chartSlots.push({ spec, slot });
    return fig;
  }

  /** Draw (or redraw, after a theme change) every diagram and chart. */
  async redraw(): Promise<void> {
    for (const { spec, slot } of this.chartSlots) this.drawChart(spec, slot);
    for (const d of this.diagramSlots) await this.drawDiagram(d);
  }

  private drawChart(spec: ChartSpec, slot: HTMLElement): void {
    slot.replaceChildren();
    try {
      const width = Math.max(320, Math.min(900, slot.clientWidth || 640));
      slot.append(drawChart(spec, slot.ownerDocument, width));
    } catch (err) {
      renderError(slot, "This chart could not be drawn.", (err as Error).message);
    }
  }

  private async drawDiagram({ spec, slot, zoom }: DiagramSlot): Promise<void> {
    try {
      const mermaid = typeof this.deps.mermaid === "function" ? await this.deps.mermaid() : this.deps.mermaid;
      if (this.disposed) return;
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", ...this.deps.mermaidConfig() });
      await mermaid.parse(spec.mermaid);
      const { svg } = await mermaid.render(`dsnb-mermaid-${++nextId}`, spec.mermaid);
      if (this.disposed) return;
      slot.innerHTML = svg; // produced by Mermaid in strict mode from escaped labels
      slot.setAttribute("role", "img");
      slot.setAttribute("aria-label", spec.title);
      zoom.apply();
      if (this.explorer && this.out.timeline?.diagramId === spec.id) this.explorer.attach();
    } catch (err) {
      if (this.disposed) return;
      slot.replaceChildren();
      renderError(slot, "This diagram could not be drawn.", (err as Error).message ?? String(err), spec.mermaid);
    }
  }

  private async copy(text: string, copyButton: HTMLElement): Promise<void> {
    try {
      await this.root.ownerDocument.defaultView?.navigator.clipboard.writeText(text);
      copyButton.textContent = "Copied";
    } catch {
      copyButton.textContent = "Copy failed: use the cell's “Copy Diagram as Mermaid” command";
    }
  }

  dispose(): void {
    this.disposed = true;
    this.explorer?.dispose();
    this.root.replaceChildren();
  }
}
