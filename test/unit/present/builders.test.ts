// The escaped builders for flowcharts and pies, and the prose helpers: hostile labels stay text
// (the diagram parses with Mermaid and has exactly the lines we drew), ids and styles that are not
// ours are refused, and the prose reads the same everywhere.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { JSDOM } from "jsdom";
import { Flowchart, pieChart } from "../../../src/present/mermaid";
import { capitalize, count, duration, list, noun, percent, round, share } from "../../../src/present/prose";

// Mermaid sanitises flowchart and pie labels with DOMPurify, which needs a window.
let mermaid: typeof import("mermaid").default;
before(async () => {
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import("mermaid")).default;
});

const EVIL = [
  "<img src=x onerror=alert(1)>",
  '"); click n0 call alert()',
  "end",
  "A;B#C%%D|E",
  "x\nflowchart TB",
  "{{init: {'theme':'forest'}}}",
  "`code`",
  "a:b",
  "-->|x| y",
];

test("flowcharts: hostile labels are text, the chart parses, and it has exactly the lines we drew", async () => {
  const f = new Flowchart("LR").classDef("hot", "fill:#e6505038,stroke:#d04040");
  EVIL.forEach((label, i) => f.node({ id: `r${i}`, label: [label, `${label} again`] }));
  const first = f.link({ id: "t0", label: EVIL[0]!, shape: "circle" }, { id: "t1", label: EVIL[1]!, shape: "circle" }, { label: EVIL[3]! });
  const second = f.link("r0", "r1", { arrow: false });
  f.linkStyle([first], "stroke:#d04040,stroke-width:3px").addClass("r2", "hot");
  const text = f.render();
  await mermaid.parse(text);
  assert.equal(text.trim().split("\n").length, 1 + 1 + EVIL.length + 2 + 1 + 1);
  assert.equal([first, second].join(), "0,1");
  assert.ok(!text.includes("<img") && !/^\s*click/m.test(text));
  assert.match(text, /^ {2}t0\(\("#lt;img src=x onerror=alert\(1\)#gt;"\)\) -->\|"A#59;B#35;C#37;#37;D#124;E"\| t1\(\(/m);
  assert.match(text, /^ {2}r0 --- r1$/m);
  assert.throws(() => f.node({ id: "a b", label: "x" }), /node id/);
  assert.throws(() => f.classDef("hot", "fill:red;click"), /style/);
  assert.throws(() => f.addClass("r0", "x;y"), /class name/);
});

test("flowcharts: any label parses (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ maxLength: 30 }), { minLength: 1, maxLength: 6 }), async (labels) => {
      const f = new Flowchart("TB");
      labels.forEach((l, i) => f.link({ id: `a${i}`, label: l }, { id: `b${i}`, label: [l, l] }, { label: l }));
      await mermaid.parse(f.render());
    }),
    { numRuns: 100 },
  );
});

test("pies: labels escaped, values checked", async () => {
  const text = pieChart(
    `Share ${EVIL[1]}`,
    EVIL.map((label, i) => ({ label, value: i + 0.5 })),
  );
  await mermaid.parse(text);
  assert.equal(text.trim().split("\n").length, 1 + EVIL.length);
  assert.match(text, /^pie showData title Share #quot;\)#59; click n0 call alert\(\)$/m);
  assert.throws(() => pieChart("t", [{ label: "x", value: Number.NaN }]), /Invalid pie value/);
});

test("prose helpers", () => {
  assert.equal(percent(0.12345), "12.3%");
  assert.equal(percent(0.12345, 2), "12.35%");
  assert.equal(share(1, 3), "33.3%");
  assert.equal(share(5, 0), "0%");
  assert.equal(round(1.23456, 2), 1.23);
  assert.equal(noun(1, "run"), "run");
  assert.equal(noun(2, "entry", "entries"), "entries");
  assert.equal(count(0, "wait"), "0 waits");
  assert.equal(count(1, "wait"), "1 wait");
  assert.equal(list([]), "");
  assert.equal(list(["a"]), "a");
  assert.equal(list(["a", "b"]), "a and b");
  assert.equal(list(["a", "b", "c"], "or"), "a, b or c");
  assert.equal(duration(250), "250 ms");
  assert.equal(duration(12_500), "12.5 s");
  assert.equal(duration(192_000), "192 s");
  assert.equal(duration(3_600_000), "60 min");
  assert.equal(capitalize("saga 1 failed"), "Saga 1 failed");
});
