// What running a sample notebook gives, computed by the engine the way the command line runs it:
// the end-to-end tests compare what VS Code and exported pages show with these counts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readNotebook, runNotebook } from "../../src/engine/notebook";
import { folderFiles } from "../../src/host/node/files";

export interface Expected {
  /** Scenario cells, each of which shows one output. */
  readonly outputs: number;
  readonly diagrams: number;
  readonly charts: number;
}

export function expectedOutputs(folder: string, file: string): Expected {
  const runs = runNotebook(readNotebook(new Uint8Array(readFileSync(join(folder, file)))), { baseDir: folder, files: folderFiles });
  const ok = runs.flatMap((r) => (r.result.ok ? [r.result.output] : []));
  return { outputs: runs.length, diagrams: ok.reduce((n, o) => n + o.diagrams.length, 0), charts: ok.reduce((n, o) => n + o.charts.length, 0) };
}
