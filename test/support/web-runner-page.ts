// A page script for test/e2e/web-worker.test.ts: the extension's own runner (src/extension/runner.ts)
// with the browser host's worker (src/host/web/worker.ts), outside VS Code. The worker bundle and
// the files next to the "notebook" (the samples folder) are fetched from the test's server, as the
// extension host reads them through vscode.workspace.fs.
import { CellRunner, type CancelSignal } from "../../src/extension/runner";
import { webWorkers } from "../../src/host/web/worker";
import type { CellRequest } from "../../src/protocol/run";

async function bytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`There is no file "${url}" next to this notebook.`);
  return new Uint8Array(await res.arrayBuffer());
}

const runner = new CellRunner(
  webWorkers(
    () => bytes("/dist/web/worker.js"),
    (baseDir, path) => bytes(`/${baseDir}/${path}`),
  ),
);

function signal(): CancelSignal & { cancel(): void } {
  const listeners: (() => void)[] = [];
  let cancelled = false;
  return {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested: (l) => (listeners.push(l), { dispose() {} }),
    cancel() {
      cancelled = true;
      listeners.forEach((l) => l());
    },
  };
}

const page = {
  /** Runs a cell; resolves with the result's JSON and the progress reported. */
  async run(request: CellRequest): Promise<{ json: string; progress: number[] }> {
    const progress: number[] = [];
    const report = await runner.run(request, signal(), (f) => progress.push(f));
    return { json: JSON.stringify(report.result), progress };
  },
  /** Starts a long cell, cancels it after `afterMs`, and says how long the cancel took to end the run. */
  async cancelAfter(request: CellRequest, afterMs: number): Promise<{ stopMs: number; error: string; progress: number[] }> {
    const s = signal();
    const progress: number[] = [];
    const pending = runner.run(request, s, (f) => progress.push(f));
    await new Promise((r) => setTimeout(r, afterMs));
    const t0 = performance.now();
    s.cancel();
    const error = await pending.then(
      () => "finished",
      (e: Error) => e.name || e.message,
    );
    return { stopMs: performance.now() - t0, error, progress };
  },
  describe: () => runner.describe(),
};

(globalThis as unknown as { dsnb: typeof page }).dsnb = page;
