import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import mermaid from "mermaid";
import { escapeText, SequenceDiagram } from "../../../src/present/mermaid";
import { chartAsTable, escapeMarkdown, toMarkdown, toPlainText } from "../../../src/present/markdown";
import type { RunOutput } from "../../../src/protocol/output";

const EVIL = [
  "<img src=x onerror=alert(1)>",
  '"); click p0 call alert()',
  "end",
  "A;B#C%%D",
  "x\nNote over p0: injected",
  "{{init: {'theme':'forest'}}}",
  "`code`",
  "a:b",
];

test("escaped labels contain no characters Mermaid would interpret", () => {
  for (const s of EVIL) {
    const e = escapeText(s).replace(/#\w+;/g, "");
    assert.doesNotMatch(e, /[<>;"\n{}%`:]/, s);
  }
  assert.equal(escapeText("<b>"), "#lt;b#gt;");
});

test("hostile names stay text: the diagram parses and has exactly the lines we drew", async () => {
  const d = new SequenceDiagram();
  for (const name of EVIL) d.message(name, "db", `${name} says ${name}`);
  d.note(EVIL[0]!, EVIL[1]!, true);
  const { text } = d.render();
  await mermaid.parse(text);
  const lines = text.trim().split("\n");
  // header + participants + messages + rect + note + end
  assert.equal(lines.length, 1 + (EVIL.length + 1) + EVIL.length + 3);
  assert.ok(!text.includes("<img"));
  assert.ok(!/^\s*click/m.test(text));
});

test("property: any participant and message text gives a diagram Mermaid accepts", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.string(), fc.string(), fc.string(), fc.constantFrom("call", "reply", "async", "fault"), fc.boolean()), {
        minLength: 1,
        maxLength: 8,
      }),
      async (msgs) => {
        const d = new SequenceDiagram();
        for (const [from, to, text, style, hl] of msgs) d.message(from || "x", to || "y", text, style as "call", hl);
        await mermaid.parse(d.render().text);
      },
    ),
    { numRuns: 150 },
  );
});

test("long traces are cut with a visible note saying how many events are not shown", async () => {
  const d = new SequenceDiagram({ maxLines: 3, autonumber: true });
  for (let i = 0; i < 10; i++) d.message("a", "b", `m${i}`);
  const { text, omitted } = d.render();
  assert.equal(omitted, 7);
  assert.match(text, /Note over p0,p1: wrap:7 more events not shown/);
  assert.match(text, /autonumber/);
  await mermaid.parse(text);
});

const run: RunOutput = {
  version: 2,
  simulator: "demo",
  simulatorTitle: "Demo",
  seed: 42,
  title: "A <b>run</b>",
  verdict: {
    valid: false,
    summary: "1 stale entry.",
    findings: [{ severity: "error", code: "stale", title: "Stale | entry", explanation: "The reader put v1 back." }],
  },
  diagrams: [{ id: "d", title: "Trace", mermaid: "sequenceDiagram\n  p0->>p1: hi\n" }],
  charts: [
    {
      id: "c",
      title: "Rates",
      kind: "bar",
      x: { label: "strategy", scale: "band" },
      y: { label: "stale", percent: true },
      series: [
        {
          name: "entries",
          points: [
            { x: "lease", y: 0 },
            { x: "delete", y: 0.25 },
          ],
        },
        { name: "reads", points: [{ x: "delete", y: 0.5 }] },
      ],
    },
  ],
  tables: [
    {
      id: "t",
      title: "Runs",
      columns: ["a", "b"],
      rows: [
        ["x|y", 1.23456],
        [null, true],
      ],
    },
  ],
  metrics: { staleEntries: 1, rate: 0.125 },
};

test("the markdown fallback has the seed, verdict, findings, a mermaid fence and tables, escaped", () => {
  const md = toMarkdown(run);
  assert.match(md, /seed 42/);
  assert.match(md, /❌ Violated: 1 stale entry\./);
  assert.match(md, /```mermaid\nsequenceDiagram\n {2}p0->>p1: hi\n```/);
  assert.match(md, /\| x\\\|y \| 1\.235 \|/);
  assert.match(md, /Stale \\\| entry/);
  assert.ok(md.includes("A &lt;b&gt;run&lt;/b&gt;"));
  assert.match(md, /\| delete \| 25\.0% \| 50\.0% \|/);
});

test("charts become tables with one column per series", () => {
  const t = chartAsTable(run.charts[0]!);
  assert.deepEqual(t.columns, ["strategy", "entries", "reads"]);
  assert.deepEqual(t.rows, [
    ["lease", "0.0%", null],
    ["delete", "25.0%", "50.0%"],
  ]);
});

test("the plain summary names the verdict and metrics", () => {
  const txt = toPlainText(run);
  assert.match(txt, /^A <b>run<\/b> \(Demo, seed 42\)\nFAIL: 1 stale entry\./);
  assert.match(txt, /staleEntries=1, rate=0\.125/);
  assert.equal(escapeMarkdown("a\nb"), "a b");
});
