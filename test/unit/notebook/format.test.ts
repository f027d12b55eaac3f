import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { findSimulator } from "../../../src/engine/registry";
import {
  CELL_BREAK,
  parseInfo,
  parseNotebook,
  parseNotebookText,
  serializeNotebook,
  serializeNotebookText,
  withAttribute,
  type CellModel,
  type NotebookModel,
} from "../../../src/notebook/format";

const isScenario = (id: string) => id === "cache-aside" || id === "isolation";
const opts = { isScenario };
const enc = (s: string) => new TextEncoder().encode(s);
const roundTrip = (bytes: Uint8Array) => serializeNotebook(parseNotebook(bytes, opts));

test("splits markdown and scenario cells, keeping other fences in markdown", () => {
  const text = "---\ntitle: Race\ndsnb: 1\n---\n\n# Title\n\n```sql\nselect 1;\n```\n\n```cache-aside id=race seed=7\nstrategy: lease\n```\n\nAfter.\n";
  const nb = parseNotebook(enc(text), opts);
  assert.deepEqual(
    nb.cells.map((c) => [c.kind, c.value]),
    [
      ["markdown", "# Title\n\n```sql\nselect 1;\n```"],
      ["scenario", "strategy: lease"],
      ["markdown", "After."],
    ],
  );
  assert.equal(nb.cells[1]!.info, "cache-aside id=race seed=7");
  assert.deepEqual(nb.meta.frontMatter?.data, { title: "Race", dsnb: 1 });
  assert.deepEqual(nb.meta.problems, []);
});

test("a cell break separates consecutive markdown cells and survives a round trip of edited cells", () => {
  const text = `One.\n\n${CELL_BREAK}\n\nTwo.\n`;
  const nb = parseNotebook(enc(text), opts);
  assert.deepEqual(
    nb.cells.map((c) => c.value),
    ["One.", "Two."],
  );
  const fresh: NotebookModel = { cells: nb.cells.map((c) => ({ kind: c.kind, value: c.value + "!" })), meta: nb.meta };
  const again = parseNotebookText(serializeNotebookText(fresh), false, opts);
  assert.deepEqual(
    again.cells.map((c) => c.value),
    ["One.!", "Two.!"],
  );
});

test("fences inside lists, block quotes and longer fences are not scenario cells", () => {
  const text = "- item\n\n  ```cache-aside\n  a: 1\n  ```\n\n> ```cache-aside\n> b: 2\n> ```\n\n````markdown\n```cache-aside\nc: 3\n```\n````\n";
  const nb = parseNotebook(enc(text), opts);
  assert.equal(nb.cells.length, 1);
  assert.equal(nb.cells[0]!.kind, "markdown");
});

test("edited cells are written in the file's line-ending style; untouched ones keep their bytes", () => {
  const text = "Intro\r\n\r\n```cache-aside\r\na: 1\r\n```\r\n\r\nEnd\r\n";
  const nb = parseNotebook(enc(text), opts);
  const cells: CellModel[] = nb.cells.map((c, i) => (i === 1 ? { ...c, value: "a: 2\nb: 3" } : c));
  const out = serializeNotebookText({ ...nb, cells });
  assert.equal(out, "Intro\r\n\r\n```cache-aside\r\na: 2\r\nb: 3\r\n```\r\n\r\nEnd\r\n");
});

test("a value that contains a fence gets a longer fence", () => {
  const nb: NotebookModel = {
    cells: [{ kind: "scenario", info: "cache-aside", value: "note: |\n  ```\n  x\n  ```" }],
    meta: { bom: false, eol: "\n", trailing: "", problems: [] },
  };
  const out = serializeNotebookText(nb);
  assert.match(out, /^````cache-aside\n/);
  assert.equal(parseNotebookText(out, false, opts).cells[0]!.value, nb.cells[0]!.value);
});

test("an edited markdown cell with an open fence is closed so it cannot swallow later cells", () => {
  const nb: NotebookModel = {
    cells: [
      { kind: "markdown", value: "```sql\nselect 1" },
      { kind: "scenario", info: "cache-aside", value: "a: 1" },
    ],
    meta: { bom: false, eol: "\n", trailing: "", problems: [] },
  };
  const again = parseNotebookText(serializeNotebookText(nb), false, opts);
  assert.deepEqual(
    again.cells.map((c) => c.kind),
    ["markdown", "scenario"],
  );
});

test("malformed files open with a clear problem and keep every byte", () => {
  const cases: [string, RegExp][] = [
    ["---\ntitle: [unclosed\n---\nBody\n", /front matter .* not valid YAML/],
    ["Text\n```cache-aside\na: 1\n", /no closing fence/],
    ["```cache-aside seed=banana\na: 1\n```\n", /cannot read the cell attribute/],
    ["---\n- a list\n---\n", /should be a YAML mapping/],
  ];
  for (const [text, problem] of cases) {
    const nb = parseNotebook(enc(text), opts);
    assert.match(nb.meta.problems.join(" "), problem, text);
    assert.equal(new TextDecoder().decode(roundTrip(enc(text))), text);
  }
});

test("bytes that are not UTF-8 are kept and written back unchanged", () => {
  const bytes = new Uint8Array([0x23, 0x20, 0xff, 0xfe, 0x0a, 0xc3]);
  const nb = parseNotebook(bytes, opts);
  assert.match(nb.meta.problems[0]!, /not valid UTF-8/);
  assert.match(nb.cells[0]!.value, /Cannot open this notebook/);
  assert.deepEqual(Array.from(serializeNotebook(nb)), Array.from(bytes));
});

test("a byte order mark is kept", () => {
  const bytes = enc("\uFEFFHello\n");
  assert.equal(parseNotebook(bytes, opts).meta.bom, true);
  assert.deepEqual(Array.from(roundTrip(bytes)), Array.from(bytes));
});

test("cell attributes: id, seed, others, and invalid words", () => {
  assert.deepEqual(parseInfo("cache-aside id=race seed=42 runs=5"), {
    simulator: "cache-aside",
    id: "race",
    seed: 42,
    attributes: { id: "race", seed: "42", runs: "5" },
    invalid: [],
  });
  assert.deepEqual(parseInfo("cache-aside seed=-1 oops").invalid, ["oops", "seed=-1"]);
  assert.equal(parseInfo("cache-aside seed=4294967296").seed, undefined);
  assert.equal(withAttribute("cache-aside x=1 id=a", "seed", "9"), "cache-aside id=a seed=9 x=1");
});

// ---- properties -----------------------------------------------------------------------------

const eol = fc.constantFrom("\n", "\r\n", "\r");
const word = fc.constantFrom(
  "a",
  "Title",
  "  ",
  "\t",
  "- item",
  "> quote",
  "---",
  "...",
  "<!-- dsnb:cell -->",
  "# H",
  "x: 1",
  "  y: [1, 2]",
  "",
  " ",
  "\u00e9t\u00e9",
  "<img src=x onerror=alert(1)>",
);
const fenceOpen = fc.constantFrom(
  "```cache-aside",
  "```isolation id=a seed=3",
  "```sql",
  "~~~cache-aside",
  "````cache-aside",
  "   ```cache-aside",
  "    ```cache-aside",
  "```",
  "```cache-aside seed=x",
);
const fenceClose = fc.constantFrom("```", "~~~", "````", "```  ", "  ```");
const line = fc.oneof({ weight: 5, arbitrary: word }, { weight: 2, arbitrary: fenceOpen }, { weight: 2, arbitrary: fenceClose });
const documentText = fc
  .tuple(fc.array(fc.tuple(line, eol), { maxLength: 30 }), fc.boolean(), line)
  .map(([lines, finalEol, last]) => lines.map(([l, e]) => l + e).join("") + (finalEol ? "" : last));

test("property: opening and saving an unedited document changes no byte", () => {
  fc.assert(
    fc.property(documentText, fc.boolean(), (text, bom) => {
      const bytes = enc((bom ? "\uFEFF" : "") + text);
      assert.deepEqual(Array.from(roundTrip(bytes)), Array.from(bytes));
    }),
    { numRuns: 2000 },
  );
});

test("property: arbitrary strings and bytes round-trip unchanged", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
      const bytes = enc(text);
      assert.deepEqual(Array.from(roundTrip(bytes)), Array.from(bytes));
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.deepEqual(Array.from(roundTrip(bytes)), Array.from(bytes));
    }),
    { numRuns: 1000 },
  );
});

// Fences in generated prose are balanced: an edited cell with an open fence is closed on purpose.
const mdLine = fc.constantFrom(
  "Some *prose*.",
  "# Heading",
  "- a list",
  "```sql\nselect 1;\n```",
  "~~~\n```cache-aside\n~~~",
  "| a | b |",
  "text with ``` inside",
);
const mdValue = fc
  .array(fc.oneof(mdLine, fc.constant("")), { minLength: 1, maxLength: 6 })
  .map((ls) => ls.join("\n").replace(/^\n+|\n+$/g, ""))
  .filter((v) => v.trim() !== "" && !v.startsWith("---"));
const yamlValue = fc
  .array(fc.constantFrom("strategy: lease", "steps: [reader, writer]", "ttlMs: 100", "note: |", "  ```", "  text", "  ```", "# comment"), { maxLength: 6 })
  .map((ls) => ls.join("\n"));
const cell: fc.Arbitrary<CellModel> = fc.oneof(
  mdValue.map((value) => ({ kind: "markdown" as const, value })),
  fc
    .tuple(fc.constantFrom("cache-aside", "cache-aside id=a", "isolation seed=5"), yamlValue)
    .map(([info, value]) => ({ kind: "scenario" as const, info, value })),
);

test("property: cells written and read again are the same cells", () => {
  fc.assert(
    fc.property(
      fc.array(cell, { maxLength: 8 }),
      eol.filter((e) => e !== "\r"),
      (cells, e) => {
        const model: NotebookModel = { cells, meta: { bom: false, eol: e as "\n" | "\r\n", trailing: "", problems: [] } };
        const again = parseNotebookText(serializeNotebookText(model), false, opts);
        assert.deepEqual(
          again.cells.map((c) => [c.kind, c.info, c.value.replace(/\r\n/g, "\n")]),
          cells.map((c) => [c.kind, c.info, c.value]),
        );
        // And once read, the file is stable: writing it again changes nothing.
        const text = serializeNotebookText(again);
        assert.equal(serializeNotebookText(parseNotebookText(text, false, opts)), text);
      },
    ),
    { numRuns: 1000 },
  );
});

test("every sample opens and saves byte for byte", () => {
  const dir = join(import.meta.dirname, "../../../samples");
  const files = readdirSync(dir).filter((f) => f.endsWith(".dsnb"));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    const nb = parseNotebook(bytes, { isScenario: (id) => findSimulator(id) !== undefined });
    assert.deepEqual(nb.meta.problems, [], f);
    assert.ok(
      nb.cells.some((c) => c.kind === "scenario"),
      `${f} has scenario cells`,
    );
    assert.ok(Buffer.from(serializeNotebook(nb)).equals(Buffer.from(bytes)), f);
  }
});
