// Draws one run output: header (with the seed), verdict and findings, expectations, Mermaid
// diagrams, charts and tables. Every string from a notebook enters the page as text (textContent),
// never as markup; Mermaid runs in strict mode. Failures show inline, never as a blank box.
import type { ChartSpec, DiagramSpec, RunOutput, TableSpec } from "../src/protocol/output";
import { drawChart } from "./charts";

export interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

export interface RenderDeps {
  readonly mermaid: MermaidApi;
  /** Mermaid theme settings for the current VS Code theme. */
  readonly mermaidConfig: () => Record<string, unknown>;
}

let nextId = 0;

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderError(root: HTMLElement, title: string, message: string, detail?: string): void {
  const doc = root.ownerDocument;
  const box = el(doc, "div", "dsnb-error");
  box.setAttribute("role", "alert");
  box.append(el(doc, "strong", undefined, title), el(doc, "p", undefined, message));
  if (detail) box.append(el(doc, "pre", "dsnb-source", detail));
  root.append(box);
}

const VERDICT_TEXT = { true: ["valid", "✔ Valid"], false: ["violated", "✖ Violated"], unknown: ["unknown", "? Undecided"] } as const;

function header(doc: Document, out: RunOutput): HTMLElement {
  const h = el(doc, "header", "dsnb-header");
  const title = el(doc, "h3", "dsnb-title", out.title);
  const meta = el(doc, "div", "dsnb-meta");
  meta.append(el(doc, "span", "dsnb-sim", out.simulatorTitle));
  if (out.cellId) meta.append(el(doc, "span", "dsnb-cell-id", `cell ${out.cellId}`));
  const seed = el(doc, "span", "dsnb-seed", `seed ${out.seed}`);
  seed.title = "The same cell and seed replay this run exactly";
  meta.append(seed);
  h.append(title, meta);
  return h;
}

function verdict(doc: Document, out: RunOutput): HTMLElement {
  const [cls, label] = VERDICT_TEXT[String(out.verdict.valid) as keyof typeof VERDICT_TEXT];
  const section = el(doc, "section", `dsnb-verdict dsnb-verdict-${cls}`);
  section.setAttribute("aria-label", "Checker verdict");
  const badge = el(doc, "span", "dsnb-badge", label);
  const summary = el(doc, "p", "dsnb-summary");
  summary.append(badge, doc.createTextNode(" "), doc.createTextNode(out.verdict.summary));
  section.append(summary);
  if (out.verdict.findings.length) {
    const list = el(doc, "ul", "dsnb-findings");
    for (const f of out.verdict.findings) {
      const item = el(doc, "li", `dsnb-finding dsnb-severity-${f.severity}`);
      item.append(el(doc, "strong", undefined, f.title), el(doc, "p", undefined, f.explanation));
      list.append(item);
    }
    section.append(list);
  }
  if (out.expectations?.length) {
    const held = out.expectations.filter((e) => e.ok).length;
    const box = el(doc, "div", `dsnb-expectations ${held === out.expectations.length ? "dsnb-held" : "dsnb-missed"}`);
    box.append(el(doc, "strong", undefined, `Expectations: ${held} of ${out.expectations.length} held`));
    const list = el(doc, "ul");
    for (const e of out.expectations) list.append(el(doc, "li", e.ok ? "dsnb-ok" : "dsnb-not-ok", `${e.ok ? "✔" : "✖"} ${e.expectation}${e.ok ? "" : ` (got: ${e.actual})`}`));
    box.append(list);
    section.append(box);
  }
  return section;
}

function table(doc: Document, spec: TableSpec): HTMLElement {
  const wrap = el(doc, "figure", "dsnb-table");
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
    for (const cell of row) tr.append(el(doc, "td", typeof cell === "number" ? "dsnb-num" : undefined, cell === null ? "" : typeof cell === "number" && !Number.isInteger(cell) ? cell.toPrecision(4) : String(cell)));
    t.tBodies[0]!.append(tr);
  }
  wrap.append(t);
  return wrap;
}

/** One rendered output; redraws its diagrams and charts when the theme changes. */
export class RunView {
  private readonly diagramSlots: { spec: DiagramSpec; slot: HTMLElement }[] = [];
  private readonly chartSlots: { spec: ChartSpec; slot: HTMLElement }[] = [];
  private disposed = false;

  constructor(private readonly root: HTMLElement, private readonly out: RunOutput, private readonly deps: RenderDeps) {}

  async render(): Promise<void> {
    const doc = this.root.ownerDocument;
    const container = el(doc, "div", "dsnb-output");
    container.append(header(doc, this.out), verdict(doc, this.out));
    for (const spec of this.out.diagrams) {
      const fig = el(doc, "figure", "dsnb-diagram");
      const cap = el(doc, "figcaption", undefined, spec.title);
      const copy = doc.createElement("vscode-button");
      copy.className = "dsnb-copy";
      copy.setAttribute("secondary", "");
      copy.setAttribute("aria-label", `Copy the Mermaid text of ${spec.title}`);
      copy.textContent = "Copy Mermaid";
      copy.addEventListener("click", () => void this.copy(spec.mermaid, copy));
      cap.append(copy);
      const slot = el(doc, "div", "dsnb-diagram-body");
      fig.append(cap, slot);
      container.append(fig);
      this.diagramSlots.push({ spec, slot });
    }
    for (const spec of this.out.charts) {
      const fig = el(doc, "figure", "dsnb-chart");
      fig.append(el(doc, "figcaption", undefined, spec.title));
      const slot = el(doc, "div", "dsnb-chart-body");
      fig.append(slot);
      if (spec.caption) fig.append(el(doc, "p", "dsnb-caption", spec.caption));
      container.append(fig);
      this.chartSlots.push({ spec, slot });
    }
    for (const spec of this.out.tables) container.append(table(doc, spec));
    this.root.append(container);
    await this.redraw();
  }

  /** Draw (or redraw, after a theme change) every diagram and chart. */
  async redraw(): Promise<void> {
    for (const { spec, slot } of this.chartSlots) this.drawChart(spec, slot);
    for (const { spec, slot } of this.diagramSlots) await this.drawDiagram(spec, slot);
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

  private async drawDiagram(spec: DiagramSpec, slot: HTMLElement): Promise<void> {
    const { mermaid } = this.deps;
    try {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", ...this.deps.mermaidConfig() });
      await mermaid.parse(spec.mermaid);
      const { svg } = await mermaid.render(`dsnb-mermaid-${++nextId}`, spec.mermaid);
      if (this.disposed) return;
      slot.innerHTML = svg; // produced by Mermaid in strict mode from escaped labels
      slot.setAttribute("role", "img");
      slot.setAttribute("aria-label", spec.title);
    } catch (err) {
      if (this.disposed) return;
      slot.replaceChildren();
      renderError(slot, "This diagram could not be drawn.", (err as Error).message ?? String(err), spec.mermaid);
    }
  }

  private async copy(text: string, button: HTMLElement): Promise<void> {
    try {
      await this.root.ownerDocument.defaultView?.navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed: use the cell's “Copy Diagram as Mermaid” command";
    }
  }

  dispose(): void {
    this.disposed = true;
    this.root.replaceChildren();
  }
}
