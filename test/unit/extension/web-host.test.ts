// The browser's way of running cells, in plain Node: the runner (src/extension/runner.ts) talks to
// the same worker loop the Web Worker runs (workerLoop.ts with src/host/web/files.ts), and files
// next to the notebook are read by the "extension host" side and handed to the worker when a run
// asks for them. The cells of two lessons (one replays a CSV trace) must give the same output as the
// desktop's way (files read from the disk by the worker itself), byte for byte in JSON, and refused
// paths must fail the same way. The e2e tier compares every sample in a real browser (web-host.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CellRunner, type CancelSignal } from "../../../src/extension/runner";
import { serveRuns } from "../../../src/extension/workerLoop";
import { givenFiles } from "../../../src/host/web/files";
import { folderFiles } from "../../../src/host/node/files";
import { confinedPath } from "../../../src/core/files";
import { ScenarioError } from "../../../src/core/errors";
import { readNotebook, scenarioCells } from "../../../src/engine/notebook";
import { runCell } from "../../../src/engine/pipeline";
import type { WorkerHost, FromWorker } from "../../../src/protocol/worker";

const samples = resolve(import.meta.dirname, "../../../samples");
const never: CancelSignal = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

/** A host whose worker is the browser's worker loop, in this process; `reads` counts what it read. */
function inProcessWebHost(reads: string[]): WorkerHost {
  return {
    start(events) {
      const serve = serveRuns({
        post: (m: FromWorker) => queueMicrotask(() => events.message(m)),
        files: (m) => givenFiles(m.files ?? {}),
        describe: () => "an in-process stand-in",
      });
      return { postMessage: (m) => queueMicrotask(() => serve(m)), hold: () => {}, terminate: () => {} };
    },
    async readFile(baseDir, path) {
      reads.push(path);
      try {
        return new Uint8Array(readFileSync(join(baseDir, ...confinedPath(path))));
      } catch {
        throw new ScenarioError(`There is no file "${path}" next to this notebook.`);
      }
    },
  };
}

test("sample cells give the same output through the browser's worker protocol as on the desktop", async () => {
  const reads: string[] = [];
  const runner = new CellRunner(inProcessWebHost(reads));
  let cells = 0;
  for (const file of ["caching-eviction.dsnb", "sharding.dsnb"]) {
    const nb = readNotebook(new Uint8Array(readFileSync(join(samples, file))));
    for (const cell of scenarioCells(nb, samples)) {
      const web = (await runner.run(cell.request, never)).result;
      const desktop = runCell(cell.request, () => {}, folderFiles);
      assert.equal(JSON.stringify(web), JSON.stringify(desktop), `${file} line ${cell.line}`);
      cells++;
    }
  }
  assert.ok(cells > 10, `${cells} cells compared`);
  assert.deepEqual(reads, ["traces/sessions.csv"], "the one trace the samples read was read once, when its cell asked for it");
  runner.dispose();
});

test("a missing or refused file fails the cell the same way in both hosts", async () => {
  const runner = new CellRunner(inProcessWebHost([]));
  for (const file of ["traces/missing.csv", "../package.json", "/etc/passwd"]) {
    const request = { simulator: "eviction", source: `policies: [lru]\ncapacity: 10\nworkload:\n  file: ${file}\n`, baseDir: samples };
    const web = (await runner.run(request, never)).result;
    const desktop = runCell(request, () => {}, folderFiles);
    assert.equal(web.ok, false, file);
    assert.equal(JSON.stringify(web), JSON.stringify(desktop), file);
  }
  runner.dispose();
});

test("confinedPath keeps a path inside the notebook's folder", () => {
  assert.deepEqual(confinedPath("traces/./a.csv"), ["traces", "a.csv"]);
  assert.deepEqual(confinedPath("traces/../b.csv"), ["b.csv"]);
  assert.deepEqual(confinedPath("traces\\c.csv"), ["traces", "c.csv"]);
  assert.throws(() => confinedPath("../x.csv"), /outside the notebook's folder/);
  assert.throws(() => confinedPath("a/../../x.csv"), /outside the notebook's folder/);
  assert.throws(() => confinedPath("/etc/passwd"), /absolute path/);
  assert.throws(() => confinedPath("C:\\x.csv"), /absolute path/);
  assert.throws(() => confinedPath("."), /names no file/);
});
