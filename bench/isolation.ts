// Isolation lab benchmarks: interleavings played and checked per second, per engine, on two
// three-statement read-modify-write transactions plus a reader, and the time of a full
// exploration cell. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { play } from "../src/sims/isolation/model/run";
import { analyze } from "../src/sims/isolation/check";
import { parseStatements, type Level } from "../src/sims/isolation/model/sql";
import type { Engine } from "../src/sims/isolation/scenario";
import { runCell } from "../src/engine/pipeline";

const LINES = [
  "T1 begin",
  "T1 select * from test where id = 1",
  "T1 update test set value = value + 1 where id = 1",
  "T1 commit",
  "T2 begin",
  "T2 select * from test where value > 5",
  "T2 update test set value = value * 2 where id = 1",
  "T2 commit",
  "T3 select * from test",
];

export function benchIsolation(): void {
  console.log("\n## Isolation: interleavings played and checked per second");
  const steps = LINES.map((l) => ({ session: l.slice(0, 2), sql: l.slice(3), statements: parseStatements(l.slice(3)) }));
  const targets: [Engine, Level][] = [
    ["postgresql", "read committed"],
    ["postgresql", "serializable"],
    ["mysql", "repeatable read"],
    ["mysql", "serializable"],
    ["2pl", "serializable"],
  ];
  for (const [engine, level] of targets) {
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++)
      analyze(
        play(
          engine,
          level,
          [
            [1, 10],
            [2, 20],
          ],
          steps,
        ),
      );
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${`${engine}/${level}`.padEnd(28)} ${Math.round(n / s)
        .toLocaleString("en")
        .padStart(8)} runs/s`,
    );
  }
  const body = `explore: all\ncompare: [postgresql/read committed, postgresql/repeatable read, postgresql/serializable, mysql/repeatable read, mysql/serializable, 2pl/serializable]\nsteps:\n${LINES.map((l) => `  - ${l}`).join("\n")}\n`;
  const t0 = performance.now();
  const r = runCell({ simulator: "isolation", source: body });
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(r.error.message);
  console.log(
    `explore cell: ${r.output.metrics["serializable @ postgresql/read committed"]! + r.output.metrics["anomalous @ postgresql/read committed"]!} interleavings × 6 levels in ${ms.toFixed(0)} ms`,
  );
}
