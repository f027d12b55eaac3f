// Renderer tests under jsdom: the real activate() with a fake renderer context, and the view with
// a stand-in Mermaid (jsdom has no SVG layout; real diagrams are checked end to end in VS Code).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";
import NodeModule from "node:module";
import { readFileSync } from "node:fs";
import type { RunOutput } from "../../src/protocol/output";
import type { MermaidApi } from "../../webview/render";

const dom = new JSDOM("<!doctype html><html><head></head><body class=\"vscode-light\"></body></html>", { pretendToBeVisual: true });
const g = globalThis as Record<string, unknown>;
// Give the renderer's libraries (Mermaid, lit) the browser globals they expect.
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (key in g && key !== "window" && key !== "document") continue;
  try { g[key] = (dom.window as unknown as Record<string, unknown>)[key]; } catch { /* read-only in Node */ }
}
Object.defineProperty(globalThis, "navigator", { value: dom.window.navigator, configurable: true });
const doc = dom.window.document;
// jsdom has no form-associated custom elements; vscode-button (from vscode-elements) asks for them.
(dom.window.HTMLElement.prototype as unknown as { attachInternals: () => unknown }).attachInternals = () => ({ setFormValue() {}, setValidity() {}, form: null, states: new Set() });
// The renderer bundles its CSS as text (esbuild's text loader); do the same for Node.
(NodeModule as unknown as { _extensions: Record<string, (m: { exports: unknown }, file: string) => void> })._extensions[".css"] = (m, file) => { m.exports = { default: readFileSync(file, "utf8") }; };

const EVIL = '<img src=x onerror=alert(1)>';
const run: RunOutput = {
  version: 1, simulator: "cache-aside", simulatorTitle: "Cache-aside race", cellId: `${EVIL}"); click`, seed: 4242, title: `Run ${EVIL}`,
  verdict: { valid: false, summary: `Stale ${EVIL}`, findings: [{ severity: "error", code: "stale-entry", title: `Finding ${EVIL}`, explanation: `Because ${EVIL}` }] },
  diagrams: [{ id: "d", title: `Diagram ${EVIL}`, mermaid: "sequenceDiagram\n  p0->>p1: hi\n" }],
  charts: [
    { id: "bars", title: "Rates", kind: "bar", x: { label: "strategy", scale: "band" }, y: { label: "share", percent: true }, series: [{ name: `entries ${EVIL}`, points: [{ x: EVIL, y: 0.1 }, { x: "lease", y: 0 }] }, { name: "reads", points: [{ x: EVIL, y: 0.2 }] }] },
    { id: "mrc", title: "Miss ratio", kind: "line", x: { label: "cache size", scale: "log" }, y: { label: "miss ratio" }, series: [{ name: "LRU", points: [{ x: 10, y: 0.9 }, { x: 100, y: 0.5 }, { x: 1000, y: 0.2 }] }] },
  ],
  tables: [{ id: "t", title: `Table ${EVIL}`, columns: ["name", "n"], rows: [[EVIL, 1.23456], [null, 2]] }],
  metrics: { x: 1 },
  expectations: [{ expectation: "verdict is violated", ok: true, actual: "verdict is violated" }, { expectation: `metric ${EVIL}`, ok: false, actual: "none" }],
};

function fakeMermaid(fail = false): MermaidApi & { calls: { config: Record<string, unknown>[]; rendered: string[] } } {
  const calls = { config: [] as Record<string, unknown>[], rendered: [] as string[] };
  return {
    calls,
    initialize: (c) => { calls.config.push(c); },
    parse: async (t) => { if (fail) throw new Error("Parse error on line 2"); return t; },
    render: async (id, t) => { calls.rendered.push(t); return { svg: `<svg id="${id}" class="fake"><text>ok</text></svg>` }; },
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
  assert.deepEqual(ticks.filter((t) => t === "10" || t === "100" || t === "1k"), ["10", "100", "1k"], "labels at powers of ten");
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
  const renderer = (await activate({} as never)) as { renderOutputItem: (item: unknown, el: HTMLElement) => Promise<void>; disposeOutputItem: (id?: string) => void };
  const item = (id: string, value: unknown, mime = "application/vnd.dsnb.run.v1+json") => ({ id, mime, metadata: {}, json: () => (typeof value === "string" ? JSON.parse(value) : value), text: () => JSON.stringify(value), data: new Uint8Array(), blob: () => new Blob() });
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
