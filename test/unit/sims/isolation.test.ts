// The isolation lab beyond Hermitage's fixed schedules: the SQL parser and its error ranges,
// Hermitage's summary table checked over many generated schedules (what each level must never let
// through), counts of interleavings derived by hand, determinism, and the presentation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { JSDOM } from "jsdom";
import { parseStatements, SqlError, matches, pinnedIds } from "../../../src/sims/isolation/model/sql";
import { play, type RunResult } from "../../../src/sims/isolation/model/run";
import { analyze, type Anomaly } from "../../../src/sims/isolation/check";
import { interleavingCount } from "../../../src/sims/isolation/scenario";
import { loadCell, runCell } from "../../../src/engine/pipeline";
import { replaySource } from "../../../src/scenario/edit";
import { loadScenario } from "../../../src/scenario/load";
import { withExpect } from "../../../src/scenario/expect";
import { isolation } from "../../../src/sims/isolation";
import type { Engine } from "../../../src/sims/isolation/scenario";
import type { Level } from "../../../src/sims/isolation/model/sql";
import type { RunOutput } from "../../../src/protocol/output";
import { generateSchedule, PARTIAL_VIEW } from "../../support/schedules";
import { onModel } from "../../support/differential";
import { assertFacts, REGRESSIONS } from "../../support/regressions";
import { planFor } from "../../../src/sims/isolation/model/plan";

function cell(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "isolation", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

function playSteps(engine: Engine, level: Level, lines: readonly string[]): RunResult {
  return play(
    engine,
    level,
    [
      [1, 10],
      [2, 20],
    ],
    lines.map((l) => {
      const [session, ...rest] = l.split(" ");
      return { session: session!, sql: rest.join(" "), statements: parseStatements(rest.join(" ")) };
    }),
  );
}

test("the parser reads every statement Hermitage uses, and what it means is what SQL means", () => {
  const oracle = JSON.parse(readFileSync(join(import.meta.dirname, "../../oracles/hermitage/schedules.json"), "utf8")) as {
    databases: Record<string, { schedules: { steps: { sql: string }[] }[] }>;
  };
  let n = 0;
  for (const db of ["postgresql", "mysql"]) for (const s of oracle.databases[db]!.schedules) for (const step of s.steps) n += parseStatements(step.sql).length;
  assert.ok(n > 400);
  const [sel] = parseStatements("select * from test where value % 3 = 0 and not (id in (1, 2) or id <> 3)");
  assert.equal(sel!.kind, "select");
  const where = (sel as { where: Parameters<typeof matches>[0] }).where;
  assert.equal(matches(where, { id: 3, value: 30 }), true);
  assert.equal(matches(where, { id: 1, value: 30 }), false);
  assert.equal(matches(where, { id: 3, value: 31 }), false);
  // Integer division truncates toward zero and % keeps the dividend's sign, as SQL int does.
  const [upd] = parseStatements("update test set value = (value - 25) / 2 % 4 where id = 1");
  assert.deepEqual(pinnedIds((upd as { where: Parameters<typeof pinnedIds>[0] }).where), [1]);
  assert.deepEqual(parseStatements("insert into test (id, value) values (3, -30), (4, 40);")[0], {
    kind: "insert",
    rows: [
      [3, -30],
      [4, 40],
    ],
  });
  assert.deepEqual(
    parseStatements("BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;").map((s) => s.kind),
    ["begin", "set-level"],
  );
});

test("parse errors name the words they are about", () => {
  const at = (sql: string) => {
    try {
      parseStatements(sql);
    } catch (err) {
      assert.ok(err instanceof SqlError);
      return { message: err.message, text: sql.slice(err.start, err.end) };
    }
    assert.fail(`${sql} parsed`);
  };
  assert.deepEqual(at("updat test set value = 1"), {
    message: 'Expected a statement (begin, set transaction, select, update, delete, insert, commit or rollback), found "updat".',
    text: "updat",
  });
  assert.equal(at("select * from users").text, "users");
  assert.equal(at("update test set value = 1 where valu = 2").text, "valu");
  assert.equal(at("set transaction isolation level snapshot").text, "snapshot");
  assert.match(at("select * from test where id = ").message, /found the end of the statement/);
});

test("property: the parser never fails with anything but a SqlError inside the text", () => {
  const words = fc.constantFrom(
    "select",
    "*",
    "from",
    "test",
    "where",
    "id",
    "value",
    "=",
    "<",
    ">",
    "%",
    "(",
    ")",
    ",",
    "in",
    "not",
    "and",
    "or",
    "update",
    "set",
    "delete",
    "insert",
    "into",
    "values",
    "begin",
    "commit",
    ";",
    "1",
    "20",
    "-",
    "+",
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.array(words, { maxLength: 14 }).map((w) => w.join(" ")),
      ),
      (sql) => {
        try {
          parseStatements(sql);
        } catch (err) {
          assert.ok(err instanceof SqlError, String(err));
          assert.ok(err.start >= 0 && err.end <= Math.max(sql.length, err.start + 1) && err.end > err.start);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

test("a misspelled statement in a step is a diagnostic on the exact words, while typing and when run", () => {
  const source = "engine: postgresql\nsteps:\n  - T1 begin\n  - T1 updte test set value = 11 where id = 1\n";
  const loaded = loadScenario(source, withExpect(isolation.schema));
  const d = loaded.diagnostics.find((x) => x.severity === "error")!;
  assert.equal(source.slice(d.range.start, d.range.end), "updte");
  const r = runCell({ simulator: "isolation", source });
  assert.ok(!r.ok);
  assert.match(r.error.message, /^Line 4, column 8: Expected a statement/);
  const noSession = loadScenario("steps:\n  - update test set value = 1\n", withExpect(isolation.schema)).diagnostics[0]!;
  assert.match(noSession.message, /is not a session name|Expected a statement/);
});

// Hermitage's summary table, as properties over generated schedules: what a level prevents, it
// prevents in every interleaving, not just in Hermitage's.
const NEVER: { engine: Engine; level: Level; never: Anomaly[] }[] = [
  // Not OTV: PostgreSQL documents that at read committed an UPDATE or DELETE that waited sees the
  // other transaction's change to the rows it updates but not its changes to other rows, so one
  // statement can observe part of a transaction (see "ends in OTV at read committed" below).
  { engine: "postgresql", level: "read committed", never: ["G0", "G1a", "G1b", "G1c"] },
  { engine: "postgresql", level: "repeatable read", never: ["G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single"] },
  { engine: "postgresql", level: "serializable", never: ["G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single", "G2-item", "G2"] },
  // Not OTV either: an InnoDB UPDATE at read committed skips a locked row whose last committed
  // version does not match (a "semi-consistent read") and waits for one that does, so it too can
  // see one row after another transaction's change and another row before it.
  { engine: "mysql", level: "read committed", never: ["G0", "G1a", "G1b", "G1c"] },
  { engine: "mysql", level: "serializable", never: ["G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single", "G2-item", "G2"] },
  { engine: "2pl", level: "serializable", never: ["G0", "G1a", "G1b", "G1c", "OTV", "PMP", "P4", "G-single", "G2-item", "G2"] },
];

/**
 * Two things PostgreSQL does that Hermitage's table does not cover, both because its unique index
 * and its re-check treat a deleted row and a new row with the same key as different tuples (see
 * docs/isolation.md). Each exception is recognised exactly, so any other way to the same anomaly
 * still fails the property.
 * - Read committed, G1b: a statement that waited finds its row deleted and skips it, while the
 *   deleter then inserted the key again: read as rows, it saw the deleter's intermediate state.
 * - Repeatable read, P4 or G-single: an insert is checked against the committed rows, not the
 *   snapshot, so inserting a key that a concurrent transaction deleted after our snapshot succeeds.
 */
function onlyDeleteThenInsert(run: RunResult, a: ReturnType<typeof analyze>, anomaly: Anomaly): boolean {
  const versions = (row: number) => run.db.rows.get(row) ?? [];
  if (anomaly === "G1b") {
    for (const r of run.txns) {
      if (r.status !== "committed") continue;
      for (const op of r.ops) {
        const reads = op.kind === "read" ? [[op.row, op.version] as const] : op.kind === "pread" ? [...op.seen] : [];
        for (const [row, v] of reads) {
          if (!v || v.writer === r || v.writer === run.db.setup || v.writer.status !== "committed") continue;
          const mine = versions(row).filter((x) => x.writer === v.writer);
          if (mine[mine.length - 1] !== v && !(v.value === null && mine[mine.length - 1]!.value !== null)) return false;
        }
      }
    }
    return true;
  }
  const reinserted = (e: (typeof a.cycles)[number]["edges"][number]) => {
    const chain = versions(e.row);
    const first = chain.findIndex((x) => x.writer === e.to);
    return e.kind === "ww" && first > 0 && chain[first]!.value !== null && chain[first - 1]!.value === null && chain[first - 1]!.writer === e.from;
  };
  return a.cycles.filter((c) => c.anomaly === anomaly).every((c) => c.edges.some(reinserted));
}

const EXCEPTIONS: Partial<Record<`${Engine}/${Level}`, Anomaly[]>> = { "postgresql/read committed": ["G1b"], "postgresql/repeatable read": ["P4", "G-single"] };

for (const { engine, level, never } of NEVER) {
  test(`property: ${engine} ${level} never commits ${never.length === 10 ? "any anomaly" : never.join(", ")}`, (t) => {
    const seen = new Map<string, number>();
    let excusedRuns = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const steps = generateSchedule(seed, level, engine);
        const run = play(
          engine,
          level,
          [
            [1, 10],
            [2, 20],
          ],
          steps.map((s) => ({ ...s, statements: parseStatements(s.sql) })),
        );
        const analysis = analyze(run);
        const found = analysis.anomalies;
        for (const a of found) seen.set(a, (seen.get(a) ?? 0) + 1);
        const excused = (a: Anomaly) => (EXCEPTIONS[`${engine}/${level}`] ?? []).includes(a) && onlyDeleteThenInsert(run, analysis, a);
        const bad = found.filter((a) => never.includes(a) && !excused(a));
        if (found.some((a) => never.includes(a))) excusedRuns++;
        assert.deepEqual(bad, [], `seed ${seed}: ${bad.join(", ")}\n${steps.map((s) => `${s.session} ${s.sql}`).join("\n")}`);
        // Every transaction ended: nothing is left waiting when the steps run out.
        assert.ok(run.txns.every((t) => t.status !== "active"));
      }),
      { numRuns: 300, seed: 42 },
    );
    // The exceptions are rare corners, not a way around the table: counted, reported and bounded.
    if (excusedRuns)
      t.diagnostic(
        `${excusedRuns} of 300 schedules show ${EXCEPTIONS[`${engine}/${level}`]!.join(" or ")} only through a delete followed by an insert of the same key`,
      );
    assert.ok(excusedRuns <= 15, `${excusedRuns} excused schedules`);
  });
}

test("an UPDATE that waited at PostgreSQL read committed sees part of the other transaction: OTV", () => {
  const run = playSteps("postgresql", "read committed", PARTIAL_VIEW);
  assert.deepEqual(
    run.finalRows,
    [
      [1, 12],
      [2, 21],
      [3, 30],
    ],
    "row 1 got T2's value plus one, row 3 was not seen",
  );
  assert.ok(analyze(run).anomalies.includes("OTV"));
  assert.deepEqual(analyze(playSteps("postgresql", "repeatable read", PARTIAL_VIEW)).anomalies, [], "repeatable read aborts T1 instead");
});

test("property: the weaker levels do let their anomalies through on generated schedules", () => {
  const found = (engine: Engine, level: Level) => {
    const all = new Set<string>();
    for (let seed = 1; seed <= 400; seed++) {
      const steps = generateSchedule(seed, level, engine);
      for (const a of analyze(
        play(
          engine,
          level,
          [
            [1, 10],
            [2, 20],
          ],
          steps.map((s) => ({ ...s, statements: parseStatements(s.sql) })),
        ),
      ).anomalies)
        all.add(a);
    }
    return all;
  };
  // So the properties above are not vacuous: the same generator finds these at weaker levels.
  const rc = found("postgresql", "read committed");
  for (const a of ["P4", "G-single", "PMP"]) assert.ok(rc.has(a), `postgresql read committed: ${a} (found ${[...rc].join(", ")})`);
  const ru = found("mysql", "read uncommitted");
  assert.ok(ru.has("G1a") || ru.has("G1b") || ru.has("G1c"), `mysql read uncommitted: dirty reads (found ${[...ru].join(", ")})`);
  const rr = found("mysql", "repeatable read");
  assert.ok(rr.has("P4"), `mysql repeatable read lets lost updates through silently (found ${[...rr].join(", ")})`);
});

test("exploring two read-modify-write transactions: counts match a hand count of the interleavings", () => {
  const t = (n: number) => [`T${n} begin`, `T${n} select * from test where id = 1`, `T${n} update test set value = ${10 + n} where id = 1`, `T${n} commit`];
  const o = cell(
    `explore: all\ncompare: [postgresql/read committed, postgresql/repeatable read, mysql/repeatable read]\nsteps:\n${[...t(1), ...t(2)].map((l) => `  - ${l}`).join("\n")}\n`,
  );
  // By hand: a lost update needs each read to come before the other's commit. Of the C(8,4) = 70
  // orders, count those where T1's read (its 2nd step) precedes T2's commit (4th) and vice versa.
  let expected = 0;
  let total = 0;
  for (let mask = 0; mask < 256; mask++) {
    if (popcount(mask) !== 4) continue;
    total++;
    const pos = (session: number, k: number) => {
      let seen = 0;
      for (let i = 0; i < 8; i++) if (((mask >> i) & 1) === session && ++seen === k) return i;
      return -1;
    };
    if (pos(1, 2) < pos(0, 4) && pos(0, 2) < pos(1, 4)) expected++;
  }
  assert.equal(total, interleavingCount([4, 4]));
  assert.equal(o.metrics["P4 @ postgresql/read committed"], expected);
  assert.equal(o.metrics["P4 @ mysql/repeatable read"], expected);
  assert.equal(o.metrics["P4 @ postgresql/repeatable read"], 0);
  assert.equal(o.metrics["serializable @ postgresql/repeatable read"], 70);
  assert.equal(
    o.tables[0]!.rows.find((r) => r[0] === "postgresql/repeatable read")![o.tables[0]!.columns.indexOf("with an abort")],
    expected,
    "every would-be lost update aborts instead",
  );
});

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

test("property: the same cell and seed give the same output, byte for byte (sampled exploration included)", () => {
  const src =
    "explore: 30\ncompare: [postgresql/serializable, mysql/serializable]\nsteps:\n  - T1 begin\n  - T1 select * from test\n  - T1 update test set value = 0 where id = 1\n  - T1 commit\n  - T2 begin\n  - T2 select * from test\n  - T2 update test set value = 0 where id = 2\n  - T2 commit\n  - T3 select * from test where value > 5\n";
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      assert.equal(JSON.stringify(cell(src, seed)), JSON.stringify(cell(src, seed)));
    }),
    { numRuns: 10 },
  );
});

test("a run shows waits, resumptions, errors and the anomaly's steps; the cycle is drawn; every diagram parses", async () => {
  const dom = new JSDOM("");
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const { default: mermaid } = await import("mermaid");
  const lost = cell(
    "engine: postgresql\nlevel: read committed\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id = 1\n  - T2 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 commit\n",
  );
  assert.equal(lost.verdict.valid, false);
  assert.ok(lost.verdict.findings.some((f) => f.code === "P4" && /T2 → T1 \(rw on row 1\)|T1 → T2 \(ww on row 1\)/.test(f.title)));
  const seq = lost.diagrams[0]!.mermaid;
  assert.match(seq, /Note over p1: WAITS#58; row 1, held by T1/);
  assert.match(seq, /resumes#58; UPDATE 1/);
  assert.match(seq, /rect rgba/);
  assert.match(lost.diagrams[1]!.mermaid, /linkStyle/);
  assert.deepEqual(lost.tables.find((t) => t.id.startsWith("final"))!.rows, [
    [1, 11],
    [2, 20],
  ]);
  const rr = cell(
    "engine: postgresql\nlevel: repeatable read\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id = 1\n  - T2 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 rollback\n",
  );
  assert.equal(rr.verdict.valid, true);
  assert.match(rr.diagrams[0]!.mermaid, /-xp1: ERROR#58; could not serialize access due to concurrent update/);
  assert.match(rr.verdict.summary, /Serializable/);
  const compare = cell(
    "compare: [postgresql/read committed, mysql/serializable, 2pl/serializable]\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id in (1, 2)\n  - T2 select * from test where id in (1, 2)\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 21 where id = 2\n  - T1 commit\n  - T2 commit\n",
  );
  const matrix = compare.tables[0]!;
  assert.deepEqual(
    matrix.rows.map((r) => [r[0], r[1]]),
    [
      ["postgresql/read committed", "G2-item"],
      ["mysql/serializable", "none"],
      ["2pl/serializable", "none"],
    ],
  );
  assert.equal(compare.metrics["anomalies @ mysql/serializable"], 0);
  for (const d of [...lost.diagrams, ...rr.diagrams, ...compare.diagrams]) await mermaid.parse(d.mermaid);
});

test("statement text reaches Mermaid only as text", () => {
  // Session names are validated; statements are escaped, so <, >, % and ; cannot become syntax.
  const o = cell("steps:\n  - T1 select * from test where value <> 5 and value % 2 = 0; commit\n");
  const seq = o.diagrams[0]!.mermaid;
  assert.match(seq, /p0->>p1: select \* from test where value #lt;#gt; 5 and value #37; 2 = 0\n/);
  assert.doesNotMatch(seq, /<>|%%/);
});

test("B1–B8: the model does what PostgreSQL 15 does on the eight schedules it once got wrong", () => {
  for (const r of REGRESSIONS) assertFacts(r, onModel("postgresql", r.steps), "the model");
});

test("the plan rule gives the plans EXPLAIN shows for a fresh test table on PostgreSQL 15", () => {
  // Recorded with EXPLAIN on a freshly created test(id int primary key, value int) holding (1, 10), (2, 20).
  const plans: [string, string][] = [
    ["id = 1", "index 1"],
    ["id = 2 and value > 0", "index 2"],
    ["value = 20 and id = 2", "index 2"],
    ["id in (1)", "index 1"],
    ["id = -1", "index -1"],
    ["id < 3 and id = 2", "index 2"],
    ["id = 1 or id = 2", "bitmap"],
    ["id < 3", "bitmap"],
    ["id <= 2", "bitmap"],
    ["id > 1", "bitmap"],
    ["id in (1, 2)", "bitmap"],
    ["id in (1, 2) and value > 5", "bitmap"],
    ["id >= 1 and id <= 2", "bitmap"],
    ["(id = 1 or id = 2) and value > 5", "bitmap"],
    ["id = 1 or id > 2", "bitmap"],
    ["id in (1, 2) or id = 3", "bitmap"],
    ["id = 1 or id = 2 and value > 5", "bitmap"],
    ["(id = 1 or value > 5) and id < 3", "bitmap"],
    ["not id >= 3", "bitmap"],
    ["id = 1 or value = 20", "seq"],
    ["id <> 1", "seq"],
    ["not (id = 1)", "seq"],
    ["not id in (1, 2)", "seq"],
    ["value > 15", "seq"],
    ["id + 0 = 1", "seq"],
    ["id < 2 or id > 2", "seq"],
    ["id < 3 or id < 5", "seq"],
    ["id in (1, 2) or value = 3", "seq"],
  ];
  for (const [where, expected] of plans) {
    const [stmt] = parseStatements(`select * from test where ${where}`);
    const plan = planFor((stmt as { where: Parameters<typeof planFor>[0] }).where);
    assert.equal(plan.kind === "index" ? `index ${plan.key}` : plan.kind, expected, where);
  }
  // The keys a bitmap scan reads are those its index condition selects, whatever the filter says.
  const [range] = parseStatements("select * from test where id < 3 and value > 5");
  const plan = planFor((range as { where: Parameters<typeof planFor>[0] }).where);
  assert.ok(plan.kind === "bitmap" && plan.keys(1) && plan.keys(2) && !plan.keys(3));
});

test("the comparison matrix is a summary in words, with a column only for anomalies some level let through", () => {
  const o = cell(
    "compare: [postgresql/repeatable read, postgresql/serializable]\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id in (1, 2)\n  - T2 select * from test where id in (1, 2)\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 21 where id = 2\n  - T1 commit\n  - T2 commit\n",
  );
  const matrix = o.tables.find((t) => t.id === "matrix")!;
  assert.equal(matrix.summary, true);
  assert.deepEqual(matrix.columns, ["engine/level", "anomalies", "G2-item", "what happened", "final table"]);
  assert.deepEqual(
    matrix.rows.map((r) => [r[0], r[2]]),
    [
      ["postgresql/repeatable read", "allowed"],
      ["postgresql/serializable", "prevented"],
    ],
  );
  const explore = cell(
    "explore: all\ncompare: [postgresql/read committed]\nsteps:\n  - T1 update test set value = 11 where id = 1\n  - T2 select * from test\n",
  );
  assert.equal(explore.tables.find((t) => t.id === "explore")!.summary, true);
});

test("the sequence diagram marks each statement of the cycle on its own, not the steps between them", () => {
  const o = cell(
    "engine: postgresql\nlevel: repeatable read\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id in (1, 2)\n  - T2 select * from test where id in (1, 2)\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 21 where id = 2\n  - T1 commit\n  - T2 commit\n",
  );
  const lines = o.diagrams[0]!.mermaid.split("\n");
  const marked = lines.filter((_, i) => lines[i - 1]?.trim().startsWith("rect ")).map((l) => l.trim());
  // The four statements of the two read-write dependencies, each in its own box; results and commits stay plain.
  assert.deepEqual(marked, [
    "p0->>p2: select * from test where id in (1, 2)",
    "p1->>p2: select * from test where id in (1, 2)",
    "p0->>p2: update test set value = 11 where id = 1",
    "p1->>p2: update test set value = 21 where id = 2",
  ]);
  assert.equal(lines.filter((l) => l.trim() === "end").length, 4);
});

test("a failed transaction is reported with the error that ended it, not the refusals after it", () => {
  const o = cell(
    "engine: postgresql\nlevel: repeatable read\nsteps:\n  - T1 begin\n  - T1 select * from test\n  - T2 update test set value = 11 where id = 1\n  - T1 update test set value = 12 where id = 1\n  - T1 select * from test\n  - T1 commit\n",
  );
  const txns = o.tables.find((t) => t.id.startsWith("txns"))!;
  const t1 = txns.rows.find((r) => r[0] === "T1")!;
  assert.equal(t1[4], "could not serialize access due to concurrent update");
  const finding = o.verdict.findings.find((f) => f.code === "aborted")!;
  assert.match(finding.explanation, /got "could not serialize access due to concurrent update"/);
  // A MySQL error that undoes one statement leaves the transaction going: not "rolled back".
  const my = cell("engine: mysql\nsteps:\n  - T1 begin\n  - T1 insert into test (id, value) values (1, 5)\n  - T1 commit\n");
  assert.equal(
    my.verdict.findings.find((f) => f.code === "aborted"),
    undefined,
  );
  assert.match(my.verdict.findings.find((f) => f.code === "statement-error")!.explanation, /Duplicate entry '1'/);
  assert.equal(my.metrics["aborted"], 0);
});

const TWO_INCREMENTS =
  "steps:\n  - T1 begin\n  - T1 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T1 commit\n" +
  "  - T2 begin\n  - T2 select * from test where id = 1\n  - T2 update test set value = 12 where id = 1\n  - T2 commit\n";
const TWO_LEVELS = "compare: [postgresql/read committed, mysql/repeatable read]\n";

test("explore: a count at least as large as the interleavings runs them all, as `all` does; a smaller one draws that many; seeds draw one each", () => {
  const all = cell(`explore: all\n${TWO_LEVELS}${TWO_INCREMENTS}`);
  assert.match(all.verdict.summary, /^All 70 interleavings/);
  assert.deepEqual(cell(`explore: 70\n${TWO_LEVELS}${TWO_INCREMENTS}`), all, "70 of 70 is every one, in the same order");
  assert.deepEqual(cell(`explore: 5000\n${TWO_LEVELS}${TWO_INCREMENTS}`), all);
  const drawn = cell(`explore: 20\n${TWO_LEVELS}${TWO_INCREMENTS}`, 7);
  assert.match(drawn.verdict.summary, /^20 random interleavings of 70/);
  assert.equal(drawn.metrics["serializable @ postgresql/read committed"]! + drawn.metrics["anomalous @ postgresql/read committed"]!, 20);
  const seeded = cell(`explore: [3, 14, 15]\n${TWO_LEVELS}${TWO_INCREMENTS}`, 1);
  assert.match(seeded.verdict.summary, /^3 random interleavings of 70/);
  assert.deepEqual(
    cell(`explore: [3, 14, 15]\n${TWO_LEVELS}${TWO_INCREMENTS}`, 99).tables,
    seeded.tables,
    "a seed gives its interleaving, whatever the cell's seed",
  );
});

test("explore: all refuses more interleavings than it can run, on the value, and says what to write instead", () => {
  const sessions = [1, 2, 3, 4, 5].map((n) => Array.from({ length: 4 }, (_, k) => `  - T${n} select * from test where id = ${k}\n`).join("")).join("");
  const text = `explore: all\nsteps:\n${sessions}`;
  const d = loadCell(isolation, text).diagnostics.find((x) => x.severity === "error")!;
  assert.equal(text.slice(d.range.start, d.range.end), "all");
  assert.match(d.message, /These steps have 305540235000 interleavings; `explore: all` runs at most 100000\. Ask for a number instead/);
  assert.equal(runCell({ simulator: "isolation", source: text.replace("all", "50") }).ok, true, "a count draws that many instead");
});

test("the old spellings explore: true and interleavings: are errors whose quick fixes rewrite them", () => {
  const apply = (text: string, edits: readonly { range: { start: number; end: number }; text: string }[]) =>
    [...edits].sort((a, b) => b.range.start - a.range.start).reduce((t, e) => t.slice(0, e.range.start) + e.text + t.slice(e.range.end), text);
  const cases: [string, string][] = [
    [`explore: true\n${TWO_INCREMENTS}`, `explore: all\n${TWO_INCREMENTS}`],
    [`explore: true\ninterleavings: 30\n${TWO_INCREMENTS}`, `explore: 30\n${TWO_INCREMENTS}`],
  ];
  for (const [before, after] of cases) {
    const d = loadCell(isolation, before).diagnostics.filter((x) => x.code === "old-spelling");
    assert.ok(d.length >= 1, before);
    const first = d.find((x) => x.edits) ?? d[0]!;
    assert.equal(first.edits ? apply(before, first.edits) : apply(before, [{ range: first.range, text: first.fix! }]), after);
    assert.equal(runCell({ simulator: "isolation", source: before }).ok, false, "an old spelling is never silently accepted");
  }
});

test("a row id given twice is refused on that id", () => {
  const text = "rows: [[1, 10], [2, 20], [1, 30]]\nsteps:\n  - T1 select * from test\n";
  const d = loadCell(isolation, text).diagnostics.find((x) => x.severity === "error")!;
  assert.match(d.message, /Row id 1 appears twice/);
  assert.equal(d.range.start, text.indexOf("[1, 30]") + 1);
});

test("each anomaly an exploration finds replays its first interleaving at its engine and level, and shows again", () => {
  const source = `explore: all\n${TWO_LEVELS}${TWO_INCREMENTS}expect:\n  findings: [P4]\n`;
  const found = cell(source).verdict.findings.filter((f) => f.code === "P4");
  assert.equal(found.length, 2);
  for (const f of found) {
    const [engine, level] = f.title.split(":")[0]!.split("/");
    assert.deepEqual(f.replay!.remove, ["explore", "compare"]);
    assert.deepEqual([f.replay!.set!.engine, f.replay!.set!.level], [engine, level]);
    const replayed = replaySource(source, f.replay!);
    assert.match(replayed, /^steps:\n {2}- T1 begin\n/, "the steps stay one to a line");
    assert.match(replayed, new RegExp(`\nengine: ${engine}\nlevel: ${level}\n$`));
    const again = cell(replayed);
    assert.ok(again.verdict.findings.some((x) => x.code === "P4"));
    assert.match(f.explanation, new RegExp(`The first interleaving that shows it: ${turnsOf(again)}\\.`));
  }
});

/** Who ran in turn, from a run's table of statements. */
function turnsOf(o: RunOutput): string {
  const sessions = o.tables
    .find((t) => t.id.startsWith("steps"))!
    .rows.filter((r) => r[4] !== "queued")
    .map((r) => r[2] as string);
  return sessions.filter((s, i) => i === 0 || sessions[i - 1] !== s).join(" → ");
}

test("a run's timeline: one step per event with its lines, the database's state after it, and the cycle's statements blamed", () => {
  const out = cell(
    "engine: postgresql\nlevel: read committed\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id = 1\n  - T2 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 commit\n",
  );
  const t = out.timeline!;
  const kinds = out.diagrams.find((d) => d.id === t.diagramId)!.lineKinds!;
  assert.equal(t.clock, "schedule");
  assert.equal(t.steps.length, 9, "begin, begin, two selects, two updates (one waits), commit, the resumption, commit");
  for (const s of t.steps) assert.ok(s.lines && s.lines[0] + s.lines[1] <= kinds.length, `${s.text}: its lines are drawn`);
  const tables = new Map(t.initial.map((x) => [x.name, x]));
  const after = t.steps.map((s) => {
    for (const c of s.changed ?? []) tables.set(c.name, c);
    return new Map(tables);
  });
  assert.deepEqual(after[4]!.get("locks")!.rows, [[1, "T1", "exclusive", "held"]], "T1's update holds row 1");
  assert.match(String(after[5]!.get("transactions")!.rows.find((r) => r[0] === "T2")![4]), /row 1 \(held by T1\)/, "T2 waits for it");
  assert.equal(after[7]!.get("rows")!.rows[0]![1], "10 by setup → 11 by T1 → 11 by T2 (active)", "T2's write goes over T1's");
  assert.deepEqual(
    t.steps.flatMap((s, i) => (s.blame?.includes("P4") ? [i + 1] : [])),
    [4, 5, 8],
    "the cycle's statements: T2's read, T1's write, T2's write",
  );
});

test("comparisons walk the first run with an anomaly; explorations the interleaving they show", () => {
  const cmp = cell(
    "compare: [postgresql/repeatable read, postgresql/read committed]\nsteps:\n  - T1 begin\n  - T2 begin\n  - T1 select * from test where id = 1\n  - T2 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T2 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 commit\n",
  );
  assert.equal(cmp.timeline!.diagramId, "sequence-postgresql/read committed");
  const ex = cell(
    "explore: all\ncompare: [postgresql/read committed]\nsteps:\n  - T1 begin\n  - T1 select * from test where id = 1\n  - T1 update test set value = 11 where id = 1\n  - T1 commit\n  - T2 begin\n  - T2 select * from test where id = 1\n  - T2 update test set value = 12 where id = 1\n  - T2 commit\n",
  );
  assert.equal(ex.timeline!.diagramId, ex.diagrams[0]!.id);
  assert.ok(ex.timeline!.steps.length >= 8);
});
