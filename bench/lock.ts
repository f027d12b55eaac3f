// Distributed-lock benchmarks: whole lock scenarios (model, checker and presentation through the
// pipeline) per second, for each example. Prints figures; asserts nothing.
import { performance } from "node:perf_hooks";
import { runCell } from "../src/engine/pipeline";
import { examples } from "../src/sims/lock/scenario";

export function benchLock(): void {
  console.log("\n## Distributed locks (scenarios per second, whole cell through the pipeline)");
  for (const ex of examples) {
    runCell({ simulator: "lock", source: ex.body, seed: 1 }); // warm up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) {
      runCell({ simulator: "lock", source: ex.body, seed: 1 });
      n++;
    }
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${ex.name.padEnd(44)} ${Math.round(n / s)
        .toLocaleString("en")
        .padStart(12)} scenarios/s`,
    );
  }
}
