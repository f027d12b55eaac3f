// Renderer tests under jsdom: the real activate() with a fake renderer context, and the view with
// a stand-in Mermaid (jsdom has no SVG layout; real diagrams are checked end to end in VS Code).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";
import NodeModule from "node:module";
import { readFileSync } from "node:fs";
import type { RunOutput } from "../../src/protocol/output";
import type { MermaidApi } from "../../webview/render";

const dom = new JSDOM('<!doctype html><html><head></head><body class="vscode-light"></body></html>', { pretendToBeVisual: true });
const g = globalThis as Record<string, unknown>;
// Give the renderer's libraries (Mermaid, lit) the browser globals they expect.
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (key in g && key !== "window" && key !== "document") continue;
  try {
    g[key] = (dom.window as unknown as Record<string, unknown>)[key];
  } catch {
    /* read-only in Node */
  }
}
Object.defineProperty(globalThis, "navigator", { value: dom.window.navigator, configurable: true });
const doc = dom.window.document;
// jsdom has no ResizeObserver; vscode-elements' select asks for one.
(globalThis as Record<string, unknown>).ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};
// jsdom has no form-associated custom elements; vscode-button (from vscode-elements) asks for them.
(dom.window.HTMLElement.prototype as unknown as { attachInternals: () => unknown }).attachInternals = () => ({
  setFormValue() {},
  setValidity() {},
  form: null,
  states: new Set(),
});
// The renderer bundles its CSS as text (esbuild's text loader); do the same for Node.
(NodeModule as unknown as { _extensions: Record<string, (m: { exports: unknown }, file: string) => void> })._extensions[".css"] = (m, file) => {
  m.exports = { default: readFileSync(file, "utf8") };
};

const EVIL = "<img src=x onerror=alert(1)>";
const run: RunOutput = {
  version: 2,
  simulator: "cache-aside",
  simulatorTitle: "Cache-aside race",
  cellId: `${EVIL}"); click`,
  seed: 4242,
  title: `Run ${EVIL}`,
  verdict: {
    valid: false,
    summary: `Stale ${EVIL}`,
    findings: [{ severity: "error", code: "stale-entry", title: `Finding ${EVIL}`, explanation: `Because ${EVIL}` }],
  },
  diagrams: [{ id: "d", title: `Diagram ${EVIL}`, mermaid: "sequenceDiagram\n  p0->>p1: hi\n" }],
  charts: [
    {
      id: "bars",
      title: "Rates",
      kind: "bar",
      x: { label: "strategy", scale: "band" },
      y: { label: "share", percent: true },
      series: [
        {
          name: `entries ${EVIL}`,
          points: [
            { x: EVIL, y: 0.1 },
            { x: "lease", y: 0 },
          ],
        },
        { name: "reads", points: [{ x: EVIL, y: 0.2 }] },
      ],
    },
    {
      id: "mrc",
      title: "Miss ratio",
      kind: "line",
      x: { label: "cache size", scale: "log" },
      y: { label: "miss ratio" },
      series: [
        {
          name: "LRU",
          points: [
            { x: 10, y: 0.9 },
            { x: 100, y: 0.5 },
            { x: 1000, y: 0.2 },
          ],
        },
      ],
    },
  ],
  tables: [
    {
      id: "t",
      title: `Table ${EVIL}`,
      columns: ["name", "n"],
      rows: [
        [EVIL, 1.23456],
        [null, 2],
      ],
    },
  ],
  metrics: { x: 1 },
  expectations: [
    { expectation: "verdict is violated", ok: true, actual: "verdict is violated" },
    { expectation: `metric ${EVIL}`, ok: false, actual: "none" },
  ],
};

function fakeMermaid(fail = false): MermaidApi & { calls: { config: Record<string, unknown>[]; rendered: string[] } } {
  const calls = { config: [] as Record<string, unknown>[], rendered: [] as string[] };
  return {
    calls,
    initialize: (c) => {
      calls.config.push(c);
    },
    parse: async (t) => {
      if (fail) throw new Error("Parse error on line 2");
      return t;
    },
    render: async (id, t) => {
      calls.rendered.push(t);
      return { svg: `<svg id="${id}" class="fake"><text>ok</text></svg>` };
    },
  };
}

let render: typeof import("../../webview/render");
let theme: typeof import("../../webview/theme");
before(async () => {
  render = await import("../../webview/render");
  theme = await import("../../webview/theme");
});

function host(): HTMLElement {
  const el = doc.createElement("div");
  doc.body.append(el);
  return el;
}

test("a run shows its title, seed, verdict, findings, expectations, diagram, charts and tables", async () => {
  const el = host();
  const m = fakeMermaid();
  const view = new render.RunView(el, run, { mermaid: m, mermaidConfig: () => ({ theme: "default" }) });
  await view.render();
  assert.match(el.querySelector(".dsnb-seed")!.textContent!, /seed 4242/);
  assert.match(el.querySelector(".dsnb-verdict-violated")!.textContent!, /✖ Violated Stale <img/);
  assert.equal(el.querySelectorAll(".dsnb-finding").length, 1);
  assert.match(el.querySelector(".dsnb-expectations")!.textContent!, /Expectations: 1 of 2 held/);
  assert.ok(el.querySelector(".dsnb-diagram-body svg.fake"));
  assert.equal(m.calls.config[0]!.securityLevel, "strict");
  assert.equal(m.calls.config[0]!.startOnLoad, false);
  assert.equal(el.querySelectorAll(".dsnb-chart-body svg").length >= 2, true);
  assert.equal(el.querySelectorAll("table tbody tr").length, 2);
});

test("Mermaid loads when the first diagram is drawn: the summary and charts are on the page before it arrives", async () => {
  const el = host();
  let release!: (m: MermaidApi) => void;
  let asked = 0;
  const loading = new Promise<MermaidApi>((r) => (release = r));
  const drawn = new render.RunView(el, run, {
    mermaid: () => {
      asked++;
      return loading;
    },
    mermaidConfig: () => ({}),
  }).render();
  for (let i = 0; i < 20 && !asked; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(asked > 0, "the diagram asked for Mermaid");
  assert.ok(el.querySelector(".dsnb-verdict"), "the verdict is drawn while Mermaid loads");
  assert.ok(el.querySelectorAll(".dsnb-chart-body svg").length >= 2, "so are the charts");
  assert.equal(el.querySelector(".dsnb-diagram-body svg"), null, "the diagram waits for Mermaid");
  release(fakeMermaid());
  await drawn;
  assert.ok(el.querySelector(".dsnb-diagram-body svg.fake"), "then the diagram is drawn");
});

test("strings from the notebook are text: no element or handler comes from them", async () => {
  const el = host();
  await new render.RunView(el, run, { mermaid: fakeMermaid(), mermaidConfig: () => ({}) }).render();
  assert.equal(el.querySelectorAll("img").length, 0);
  assert.equal(el.querySelectorAll("[onerror]").length, 0);
  assert.ok(el.textContent!.includes(EVIL), "shown literally");
  assert.ok(el.querySelector(".dsnb-cell-id")!.textContent!.includes('"); click'));
});

test("charts: a legend for several series, a log x axis, percentages", async () => {
  const { drawChart } = await import("../../webview/charts");
  const bars = drawChart(run.charts[0]!, doc) as HTMLElement;
  assert.equal(bars.tagName.toLowerCase(), "figure", "legend and plot together");
  assert.match(bars.textContent!, /entries <img src=x onerror=alert\(1\)>/);
  assert.equal(bars.querySelectorAll("img").length, 0);
  const line = drawChart(run.charts[1]!, doc) as unknown as SVGSVGElement;
  const ticks = [...line.querySelectorAll("g[aria-label='x-axis tick label'] text")].map((t) => t.textContent);
  assert.deepEqual(
    ticks.filter((t) => t === "10" || t === "100" || t === "1k"),
    ["10", "100", "1k"],
    "labels at powers of ten",
  );
  assert.ok(ticks.filter((t) => t === "").length >= 10, "unlabelled minor ticks between them: a log scale");
  const labels = [...bars.querySelectorAll("svg text")].map((t) => t.textContent);
  assert.ok(labels.includes("↑ share (%)"), labels.join("|"));
  assert.ok(labels.includes("20"), "0.2 is drawn as 20%");
});

test("a diagram Mermaid rejects shows the error and its source inline", async () => {
  const el = host();
  await new render.RunView(el, run, { mermaid: fakeMermaid(true), mermaidConfig: () => ({}) }).render();
  const err = el.querySelector(".dsnb-diagram .dsnb-error")!;
  assert.match(err.textContent!, /could not be drawn.*Parse error on line 2/s);
  assert.match(err.querySelector("pre")!.textContent!, /sequenceDiagram/);
});

test("theme: Mermaid settings follow the body class, and a class change triggers a redraw", async () => {
  const body = doc.body;
  body.className = "vscode-dark";
  assert.equal(theme.mermaidConfig(body).theme, "dark");
  body.className = "vscode-high-contrast";
  assert.equal(theme.mermaidConfig(body).theme, "base");
  body.className = "vscode-light";
  assert.equal(theme.mermaidConfig(body).theme, "default");
  let changes = 0;
  const stop = theme.watchTheme(body, () => changes++);
  body.className = "vscode-dark";
  await new Promise((r) => setTimeout(r, 0));
  stop();
  assert.equal(changes, 1);
});

test("activate(): renders our mime, shows errors for bad data, and disposes", async () => {
  const { activate } = await import("../../webview/index");
  const renderer = (await activate({} as never)) as {
    renderOutputItem: (item: unknown, el: HTMLElement) => Promise<void>;
    disposeOutputItem: (id?: string) => void;
  };
  const item = (id: string, value: unknown, mime = "application/vnd.dsnb.run.v2+json") => ({
    id,
    mime,
    metadata: {},
    json: () => (typeof value === "string" ? JSON.parse(value) : value),
    text: () => JSON.stringify(value),
    data: new Uint8Array(),
    blob: () => new Blob(),
  });
  const a = host();
  await renderer.renderOutputItem(item("a", run), a);
  assert.match(a.querySelector(".dsnb-seed")!.textContent!, /4242/);
  // Real Mermaid cannot lay out text in jsdom: the failure must be an inline message, not a blank box.
  assert.ok(a.querySelector(".dsnb-diagram-body svg, .dsnb-diagram-body .dsnb-error"));
  assert.ok(doc.getElementById("dsnb-renderer-style"), "styles injected once");
  const b = host();
  await renderer.renderOutputItem(item("b", "{not json"), b);
  assert.match(b.querySelector(".dsnb-error")!.textContent!, /could not be read.*not valid JSON/s);
  const c = host();
  await renderer.renderOutputItem(item("c", { ...run, version: 99 }), c);
  assert.match(c.querySelector(".dsnb-error")!.textContent!, /output format version 99/);
  const d = host();
  await renderer.renderOutputItem(item("d", run, "application/x-other"), d);
  assert.match(d.textContent!, /Unknown output type application\/x-other/);
  renderer.disposeOutputItem("a");
  assert.equal(a.children.length, 0);
  const e = host();
  await renderer.renderOutputItem(item("e", run), e);
  assert.ok(e.querySelector(".dsnb-output"));
  renderer.disposeOutputItem(undefined);
  assert.equal(e.children.length, 0, "dispose-all empties every output");
});

function wideMermaid(): MermaidApi {
  return {
    initialize: () => {},
    parse: async (t) => t,
    render: async (id) => ({ svg: `<svg id="${id}" viewBox="0 0 2000 600" width="100%" style="max-width: 2000px;"><text>wide</text></svg>` }),
  };
}

const summaryRun: RunOutput = {
  ...run,
  cellSeed: 42,
  verdict: {
    valid: false,
    summary: "Two `levels` let it *through*.",
    findings: [
      {
        severity: "error",
        code: "G2-item",
        title: "write skew",
        explanation: "Drop `explore` and look at **step 4** <b>now</b>.",
        replay: { seed: 9, remove: ["explore"] },
      },
      { severity: "info", code: "prevented", title: "fine", explanation: "Nothing to replay." },
    ],
  },
  tables: [
    { id: "other", title: "Row versions", columns: ["id"], rows: [[1]] },
    {
      id: "matrix",
      title: "The matrix",
      columns: ["level", "G2-item", "final table"],
      rows: [
        ["serializable", "prevented", "1 => 11, 2 => 20"],
        ["read committed", "allowed", "x".repeat(60)],
      ],
      summary: true,
    },
  ],
};

test("summary first: verdict, findings and the comparison matrix come before diagrams, charts and other tables", async () => {
  const el = host();
  await new render.RunView(el, summaryRun, { mermaid: wideMermaid(), mermaidConfig: () => ({}) }).render();
  const order = [...el.querySelectorAll(".dsnb-verdict, .dsnb-table, .dsnb-diagram, .dsnb-chart")].map((n) =>
    n.classList.contains("dsnb-verdict")
      ? "verdict"
      : n.classList.contains("dsnb-diagram")
        ? "diagram"
        : n.classList.contains("dsnb-chart")
          ? "chart"
          : n.querySelector("figcaption")!.textContent,
  );
  assert.deepEqual(order, ["verdict", "The matrix", "diagram", "chart", "chart", "Row versions"]);
  const cells = [...el.querySelectorAll(".dsnb-summary-table td")];
  assert.ok(cells.find((c) => c.textContent === "1 => 11, 2 => 20")!.classList.contains("dsnb-nowrap"), "short values stay on one line");
  assert.ok(!cells.find((c) => c.textContent!.startsWith("xxxx"))!.classList.contains("dsnb-nowrap"), "long ones wrap");
  const details = el.querySelector<HTMLDetailsElement>("details.dsnb-diagram")!;
  assert.equal(details.open, true, "diagrams start open and can be collapsed");
});

test("findings show their inline Markdown as elements, and HTML in them as text", async () => {
  const el = host();
  await new render.RunView(el, summaryRun, { mermaid: wideMermaid(), mermaidConfig: () => ({}) }).render();
  const p = el.querySelector(".dsnb-finding p")!;
  assert.equal(p.querySelector("code")!.textContent, "explore");
  assert.equal(p.querySelector("strong")!.textContent, "step 4");
  assert.equal(p.querySelectorAll("b").length, 0);
  assert.match(p.textContent!, /<b>now<\/b>/);
  assert.equal(el.querySelector(".dsnb-summary code")!.textContent, "levels");
  assert.equal(el.querySelector(".dsnb-summary em")!.textContent, "through");
  assert.equal(el.querySelector(".dsnb-finding .dsnb-code")!.textContent, "G2-item");
  assert.equal(el.querySelectorAll(".dsnb-replay").length, 0, "no replay button where no extension can act");
});

test("diagrams draw at 100% and scroll; zoom steps, fit never shrinks text below 11 px, keys work", async () => {
  const el = host();
  await new render.RunView(el, summaryRun, { mermaid: wideMermaid(), mermaidConfig: () => ({}) }).render();
  const fig = el.querySelector<HTMLElement>(".dsnb-diagram")!;
  const body = fig.querySelector<HTMLElement>(".dsnb-diagram-body")!;
  const svg = () => body.querySelector("svg")!;
  assert.equal(svg().getAttribute("width"), "2000", "natural size, not squeezed to the output");
  assert.equal(svg().style.maxWidth, "none");
  assert.equal(fig.querySelector(".dsnb-zoom-level")!.textContent, "100%");
  const click = (cls: string) => fig.querySelector<HTMLElement>(cls)!.dispatchEvent(new dom.window.MouseEvent("click", { bubbles: true }));
  click(".dsnb-zoom-in");
  assert.equal(svg().getAttribute("width"), "2500");
  assert.equal(fig.querySelector(".dsnb-zoom-level")!.textContent, "125%");
  Object.defineProperty(body, "clientWidth", { value: 800, configurable: true });
  click(".dsnb-zoom-toggle");
  const zoom = await import("../../webview/zoom");
  const fitted = Number(svg().getAttribute("width"));
  assert.equal(fitted, Math.round(2000 * zoom.MIN_READABLE_SCALE), "fit stops at the readable minimum, then scrolls");
  assert.ok(zoom.MIN_READABLE_SCALE * theme.DIAGRAM_FONT_PX >= 11);
  assert.equal(fig.querySelector(".dsnb-zoom-toggle")!.textContent, "100%");
  click(".dsnb-zoom-toggle");
  assert.equal(svg().getAttribute("width"), "2000");
  body.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: "-", bubbles: true }));
  assert.equal(svg().getAttribute("width"), "1600");
  body.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: "0", bubbles: true }));
  assert.equal(svg().getAttribute("width"), "2000");
  assert.equal(body.tabIndex, 0, "the diagram can be focused for its keys");
});

test("Mermaid text sizes: every font the config sets is at least 11 px at 100%", () => {
  const c = theme.mermaidConfig(doc.body) as {
    sequence: Record<string, unknown>;
    flowchart: Record<string, unknown>;
    gantt: Record<string, unknown>;
    themeVariables: Record<string, unknown>;
    fontFamily: string;
  };
  for (const [k, v] of Object.entries(c.sequence)) if (k.endsWith("FontSize")) assert.ok(Number(v) >= 11, k);
  assert.ok(Number(c.flowchart.fontSize) >= 11);
  assert.ok(Number(c.gantt.fontSize) >= 11 && Number(c.gantt.sectionFontSize) >= 11, "gantt (histories)");
  assert.ok(parseFloat(String(c.themeVariables.fontSize)) >= 11);
  assert.equal(c.sequence.noteFontFamily, c.fontFamily, "notes are measured in the font they are drawn in");
});

test("with an extension listening: seed, replay, diagram and finding actions post the right messages", async () => {
  const { actionsFor } = await import("../../webview/actions");
  const { isRendererMessage } = await import("../../src/protocol/messages");
  const posted: unknown[] = [];
  const el = host();
  await new render.RunView(el, summaryRun, { mermaid: wideMermaid(), mermaidConfig: () => ({}), actions: actionsFor("run-7", (m) => posted.push(m)) }).render();
  const click = (sel: string) => el.querySelector<HTMLElement>(sel)!.dispatchEvent(new dom.window.MouseEvent("click", { bubbles: true, cancelable: true }));
  assert.match(el.querySelector(".dsnb-seed-box")!.textContent!, /seed 4242.*the cell's own is 42.*Pin this seed.*Back to seed 42.*New seed/s);
  assert.equal(el.querySelectorAll(".dsnb-replay").length, 1, "only the finding that has a run to replay");
  for (const sel of [".dsnb-open-panel", ".dsnb-pin-seed", ".dsnb-cell-seed", ".dsnb-new-seed", ".dsnb-replay", ".dsnb-open-full", "a.dsnb-code"]) click(sel);
  assert.deepEqual(posted, [
    { type: "openPanel", outputId: "run-7" },
    { type: "pinSeed", outputId: "run-7" },
    { type: "runCellSeed", outputId: "run-7" },
    { type: "newSeed", outputId: "run-7" },
    { type: "replay", outputId: "run-7", finding: 0 },
    { type: "openDiagram", outputId: "run-7", diagramId: "d" },
    { type: "openFinding", outputId: "run-7", code: "G2-item" },
  ]);
  assert.ok(posted.every(isRendererMessage));
  assert.equal(isRendererMessage({ type: "replay", outputId: "x", finding: "0" }), false);
  assert.equal(isRendererMessage({ type: "rm -rf", outputId: "x" }), false);
});

test("one theme source: chart and pie colours and tooltips come from the VS Code variables", async () => {
  const body = doc.body;
  body.className = "vscode-dark";
  body.style.setProperty("--vscode-charts-blue", "#0000ff");
  body.style.setProperty("--vscode-editor-background", "#101010");
  body.style.setProperty("--vscode-editorHoverWidget-background", "#202020");
  const colors = theme.themeColors(body);
  assert.equal(colors.palette[0], "#0000ff");
  assert.equal(colors.palette[6], theme.mix("#0000ff", "#101010", 0.45));
  assert.equal(colors.hoverBackground, "#202020");
  const tv = (theme.mermaidConfig(body) as { themeVariables: Record<string, string> }).themeVariables;
  assert.equal(tv.pie1, "#0000ff", "pie slices use the chart palette, not Mermaid's near-black defaults");
  assert.equal(tv.pieStrokeColor, "#101010");
  const { formatValue } = await import("../../webview/charts");
  assert.equal(formatValue(19.133333, false), "19.133");
  assert.equal(formatValue(19.1333, true), "19.1%", "a percent axis hands the tooltip percentages already");
  assert.equal(formatValue(1234.5678, false), "1234.6");
  body.removeAttribute("style");
  body.className = "vscode-light";
  const css = readFileSync(new URL("../../media/renderer.css", import.meta.url), "utf8");
  assert.match(
    css,
    /\.dsnb-chart-body svg \{\s*--plot-background: var\(--vscode-editorHoverWidget-background/,
    "Plot's own white tooltip background is replaced on its SVG",
  );
});

const stepSvg = `<svg viewBox="0 0 800 400"><g><rect class="note"></rect><text class="noteText">caption</text></g><g><rect class="note"></rect><text class="noteText">end: one</text><text class="noteText">two</text></g><text class="messageText">1. get</text><line class="messageLine0"></line><text class="messageText">miss</text><line class="messageLine1"></line><text class="messageText">2. read</text><line class="messageLine0"></line><text class="messageText">v1</text><line class="messageLine1"></line></svg>`;
const steppedRun: RunOutput = {
  ...run,
  diagrams: [{ id: "seq", title: "The run", mermaid: "sequenceDiagram\n", lineKinds: "nmmmmn" }],
  charts: [],
  verdict: {
    valid: false,
    summary: "stale",
    findings: [{ severity: "error", code: "stale-entry", title: "Stale", explanation: "Step 2 loaded v1.", events: [2] }],
  },
  timeline: {
    diagramId: "seq",
    initial: [
      { name: "cache", columns: ["key", "version"], rows: [] },
      { name: "database", columns: ["key", "version"], rows: [["k", 1]] },
    ],
    steps: [
      { atMs: 1, actor: "reader", text: "get k: miss", seq: 1, lines: [1, 2] },
      {
        atMs: 2,
        actor: "reader",
        text: "read k: v1",
        seq: 2,
        lines: [3, 2],
        changed: [{ name: "cache", columns: ["key", "version"], rows: [["k", 1]] }],
        blame: ["stale-entry"],
      },
      { atMs: 3, actor: "writer", text: "the end", seq: 3, lines: [5, 1], changed: [{ name: "database", columns: ["key", "version"], rows: [["k", 2]] }] },
    ],
  },
};

function stepMermaid(): MermaidApi {
  return { initialize: () => {}, parse: async (t) => t, render: async () => ({ svg: stepSvg }) };
}

test("stepping through a run: → moves the highlight and dims later messages; the state panel shows what changed", async () => {
  const el = host();
  await new render.RunView(el, steppedRun, { mermaid: stepMermaid(), mermaidConfig: () => ({}) }).render();
  const explorer = el.querySelector<HTMLElement>(".dsnb-diagram[data-diagram='seq'] .dsnb-explorer")!;
  assert.ok(explorer, "the explorer sits on the diagram its timeline names");
  const texts = [...el.querySelectorAll("svg text.messageText")];
  const classes = () => texts.map((t) => (t.classList.contains("dsnb-step-current") ? "C" : t.classList.contains("dsnb-step-future") ? "f" : "-")).join("");
  assert.equal(classes(), "----", "the run opens whole: nothing dimmed, nothing marked");
  assert.match(explorer.querySelector(".dsnb-step-label")!.textContent!, /Step 3 of 3/);
  const key = (k: string) => explorer.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: k, bubbles: true }));
  key("Home");
  assert.equal(classes(), "ffff", "before the first step every message is still to come");
  assert.match(explorer.querySelector(".dsnb-step-label")!.textContent!, /Start/);
  key("ArrowRight");
  assert.equal(classes(), "CCff");
  assert.equal(explorer.querySelector<HTMLInputElement>(".dsnb-step-slider")!.value, "1");
  key("ArrowRight");
  assert.equal(classes(), "--CC");
  const changed = [...explorer.querySelectorAll(".dsnb-state td.dsnb-changed")].map((c) => c.textContent);
  assert.deepEqual(changed, ["k", "1"], "the cache's new row is marked");
  assert.match(explorer.querySelector(".dsnb-step-label")!.textContent!, /Step 2 of 3 · t=2 ms · reader: read k: v1 · blamed by stale-entry/);
  key("ArrowRight");
  const notes = [...el.querySelectorAll("svg rect.note")];
  assert.ok(notes[1]!.classList.contains("dsnb-step-current"), "a note drawn by a step is marked too (Mermaid draws notes first)");
  assert.ok(!notes[0]!.classList.contains("dsnb-step-future"), "a line no step drew is never dimmed");
  key("ArrowLeft");
  key("ArrowLeft");
  assert.equal(classes(), "CCff", "back again");
  key("End");
  assert.equal(classes(), "----");
});

test("stepping: next finding, the finding's own button, the scrubber, and the actor filter", async () => {
  const el = host();
  await new render.RunView(el, steppedRun, { mermaid: stepMermaid(), mermaidConfig: () => ({}) }).render();
  const explorer = el.querySelector<HTMLElement>(".dsnb-explorer")!;
  const click = (node: Element) => node.dispatchEvent(new dom.window.MouseEvent("click", { bubbles: true }));
  click(explorer.querySelector(".dsnb-step-first")!);
  click(explorer.querySelector(".dsnb-step-finding")!);
  assert.equal(explorer.querySelector<HTMLInputElement>(".dsnb-step-slider")!.value, "2", "the next finding is the blamed step");
  click(explorer.querySelector(".dsnb-step-first")!);
  const show = el.querySelector(".dsnb-finding .dsnb-show-step")!;
  assert.equal(show.textContent, "Show step 2");
  click(show);
  assert.equal(explorer.querySelector<HTMLInputElement>(".dsnb-step-slider")!.value, "2");
  const slider = explorer.querySelector<HTMLInputElement>(".dsnb-step-slider")!;
  slider.value = "1";
  slider.dispatchEvent(new dom.window.Event("input"));
  assert.match(slider.getAttribute("aria-valuetext")!, /Step 1 of 3/);
  const writer = [...explorer.querySelectorAll<HTMLInputElement>(".dsnb-filter-actor input")].find((i) => i.parentElement!.textContent!.includes("writer"))!;
  writer.checked = false;
  writer.dispatchEvent(new dom.window.Event("change"));
  click(explorer.querySelector(".dsnb-step-next")!);
  click(explorer.querySelector(".dsnb-step-next")!);
  assert.equal(slider.value, "2", "the writer's step is skipped");
  assert.ok(el.querySelectorAll("svg rect.note")[1]!.classList.contains("dsnb-step-hidden"), "and drawn faint");
  assert.equal(explorer.getAttribute("role"), "group");
  assert.ok(explorer.tabIndex === 0 && explorer.getAttribute("aria-label")!.includes("Step through"));
});

test("stepping: a timeline with no clock says the request's number, or no time at all", async () => {
  for (const [clock, label] of [
    ["request", /Step 2 of 3 · request 2 · reader: read k/],
    ["none", /Step 2 of 3 · reader: read k/],
  ] as const) {
    const el = host();
    await new render.RunView(
      el,
      { ...steppedRun, timeline: { ...steppedRun.timeline!, clock } },
      { mermaid: stepMermaid(), mermaidConfig: () => ({}) },
    ).render();
    const explorer = el.querySelector<HTMLElement>(".dsnb-explorer")!;
    explorer.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: "Home", bubbles: true }));
    explorer.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    explorer.dispatchEvent(new dom.window.KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    assert.match(explorer.querySelector(".dsnb-step-label")!.textContent!, label);
    assert.doesNotMatch(explorer.querySelector(".dsnb-step-label")!.textContent!, / ms /);
  }
});

const knobRun: RunOutput = {
  ...run,
  changedFromLesson: true,
  knobs: [
    {
      key: "strategy",
      doc: "How the writer keeps the cache in step.",
      kind: "choice",
      choices: ["update-then-delete", "lease"],
      value: "lease",
      lessonValue: "update-then-delete",
    },
    { key: "reads", doc: "Reads.", kind: "number", min: 1, max: 20, integer: true, value: 2 },
    { key: "fast", doc: "Quickly.", kind: "switch", value: false },
  ],
};

test("knobs: a control per option, the lesson's value where it differs, and changes posted to the extension", async () => {
  const { actionsFor } = await import("../../webview/actions");
  const posted: unknown[] = [];
  // A window of its own, where vscode-elements are not defined: this tests our wiring, not theirs
  // (their components need a real browser, where the e2e tier turns these knobs).
  const win = new JSDOM("<!doctype html><body></body>").window;
  const el = win.document.body.appendChild(win.document.createElement("div"));
  await new render.RunView(el, knobRun, { mermaid: fakeMermaid(), mermaidConfig: () => ({}), actions: actionsFor("run-9", (m) => posted.push(m)) }).render();
  const bar = el.querySelector(".dsnb-knobs")!;
  assert.ok(bar.compareDocumentPosition(el.querySelector(".dsnb-verdict")!) & win.Node.DOCUMENT_POSITION_FOLLOWING, "knobs sit above the result");
  const strategy = bar.querySelector<HTMLElement & { value: string }>("[data-key='strategy'] .dsnb-knob-control")!;
  assert.equal(strategy.tagName.toLowerCase(), "vscode-single-select");
  assert.deepEqual(
    [...strategy.querySelectorAll("vscode-option")].map((o) => o.getAttribute("value")),
    ["update-then-delete", "lease"],
  );
  assert.match(bar.querySelector("[data-key='strategy']")!.textContent!, /lesson: update-then-delete/);
  assert.ok(bar.querySelector("[data-key='strategy']")!.classList.contains("dsnb-knob-changed"));
  strategy.value = "update-then-delete";
  strategy.dispatchEvent(new win.Event("change"));
  const reads = bar.querySelector<HTMLElement & { value: string }>("[data-key='reads'] .dsnb-knob-control")!;
  reads.value = "50";
  reads.dispatchEvent(new win.Event("change"));
  assert.equal(reads.value, "2", "a number out of range is refused and put back");
  reads.value = "3";
  reads.dispatchEvent(new win.Event("change"));
  const fast = bar.querySelector<HTMLElement & { checked: boolean }>("[data-key='fast'] .dsnb-knob-control")!;
  fast.checked = true;
  fast.dispatchEvent(new win.Event("change"));
  bar.querySelector(".dsnb-reset-lesson")!.dispatchEvent(new win.MouseEvent("click", { bubbles: true }));
  assert.deepEqual(posted, [
    { type: "setKnob", outputId: "run-9", key: "strategy", value: "update-then-delete" },
    { type: "setKnob", outputId: "run-9", key: "reads", value: 3 },
    { type: "setKnob", outputId: "run-9", key: "fast", value: true },
    { type: "resetLesson", outputId: "run-9" },
  ]);
  const other = win.document.body.appendChild(win.document.createElement("div"));
  await new render.RunView(other, knobRun, { mermaid: fakeMermaid(), mermaidConfig: () => ({}) }).render();
  assert.ok(
    [...other.querySelectorAll(".dsnb-knob-control")].every((c) => c.hasAttribute("disabled")),
    "without an extension the knobs only show values",
  );
  assert.equal(other.querySelectorAll(".dsnb-reset-lesson").length, 0);
});
