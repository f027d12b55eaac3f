// The renderer in a real browser (headless Chromium): a run with a 1,000-step timeline drawn as a
// sequence diagram, then the time one step change takes (→, from the explorer's keys; budget: one
// frame, 16 ms) and a jump across the whole run (End after Home).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SequenceDiagram } from "../src/present/mermaid";
import { TimelineRecorder } from "../src/present/timeline";
import { notebookToHtmlShell } from "../src/present/document";
import type { RunOutput, StateTable } from "../src/protocol/output";
import { chromium as launcher } from "playwright-core";

const root = join(import.meta.dirname, "..");

/** A run of `steps` steps between three actors, each step a message, with a state table changing. */
export function syntheticRun(steps: number): RunOutput {
  const d = new SequenceDiagram({ maxLines: steps + 10 });
  const actors = ["client", "cache", "database"];
  for (const a of actors) d.participant(a);
  const table = (i: number): StateTable => ({ name: "cache", columns: ["key", "version"], rows: [[`k${i % 7}`, i]] });
  const rec = new TimelineRecorder(d, "seq", [table(0)]);
  for (let i = 1; i <= steps; i++) {
    const from = actors[i % 3]!;
    const to = actors[(i + 1) % 3]!;
    rec.step({ atMs: i, actor: from, text: `message ${i}`, seq: i }, () => d.message(from, to, `${i}. message ${i}`), [table(i)]);
  }
  const { text, kinds } = d.render();
  return {
    version: 2,
    simulator: "bench",
    simulatorTitle: "Bench",
    seed: 1,
    title: `${steps} steps`,
    verdict: { valid: true, summary: "ok", findings: [] },
    diagrams: [{ id: "seq", title: "A long run", mermaid: text, lineKinds: kinds }],
    charts: [],
    tables: [],
    metrics: {},
    timeline: rec.build(),
  };
}

export async function benchRenderer(): Promise<void> {
  console.log("\n## Renderer in Chromium: stepping through a 1,000-step run");
  const chromium = process.env.DSNB_CHROMIUM ?? "/usr/bin/chromium";
  const script = join(root, "dist", "export-page.js");
  if (!existsSync(chromium) || !existsSync(script)) return console.log("needs Chromium and `npm run build`");
  const out = syntheticRun(1000);
  const css = readFileSync(join(root, "media", "renderer.css"), "utf8");
  const shell = notebookToHtmlShell(
    { cells: [{ kind: "scenario", value: "", info: "bench" }], meta: { bom: false, eol: "\n", trailing: "", problems: [] } },
    [{ output: out }],
    css,
    "bench",
  );
  const browser = await launcher.launch({ executablePath: chromium, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.setContent(shell);
    // The functions evaluated in the page are compiled by tsx, which names arrow functions with a helper.
    await page.evaluate("window.__name = (f) => f");
    await page.addScriptTag({ content: readFileSync(script, "utf8") });
    const t0 = Date.now();
    await page.evaluate(() => (window as unknown as { dsnbDrawAll: () => Promise<unknown> }).dsnbDrawAll());
    console.log(`draw the 1,000-message diagram and the explorer: ${Date.now() - t0} ms`);
    const times = await page.evaluate(() => {
      const explorer = document.querySelector(".dsnb-explorer")!;
      const key = (k: string) => {
        const t = performance.now();
        explorer.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
        return performance.now() - t;
      };
      key("Home");
      const steps = Array.from({ length: 200 }, () => key("ArrowRight"));
      const jump = key("End");
      const back = key("Home");
      steps.sort((a, b) => a - b);
      return { median: steps[100]!, p95: steps[190]!, max: steps[199]!, jump, back };
    });
    console.log(`one step (→), 200 steps: median ${times.median.toFixed(2)} ms, p95 ${times.p95.toFixed(2)} ms, max ${times.max.toFixed(2)} ms (budget 16 ms)`);
    console.log(`jump across 1,000 steps: End ${times.jump.toFixed(1)} ms, Home ${times.back.toFixed(1)} ms`);
    console.log(`output JSON of the run: ${(JSON.stringify(out).length / 1024).toFixed(0)} KB`);
  } finally {
    await browser.close();
  }
}
