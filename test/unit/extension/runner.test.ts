import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CellRunner, type CancelSignal } from "../../../src/extension/runner";
import { threadWorkers } from "../../../src/host/node/worker";
import { CancelledError } from "../../../src/core/errors";

const workerPath = join(import.meta.dirname, "fixtures", "fake-worker.mjs");

function cancellable(): CancelSignal & { cancel(): void } {
  const listeners: (() => void)[] = [];
  let cancelled = false;
  return {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested(l) {
      listeners.push(l);
      return { dispose() {} };
    },
    cancel() {
      cancelled = true;
      listeners.forEach((l) => l());
    },
  };
}

test("a run returns the worker's result and forwards progress", async () => {
  const runner = new CellRunner(threadWorkers(workerPath));
  const seen: [number, string | undefined][] = [];
  const report = await runner.run({ simulator: "x", source: "hello" }, cancellable(), (f, m) => seen.push([f, m]));
  assert.equal(report.result.ok, false);
  assert.match((report.result as { error: { message: string } }).error.message, /echo hello/);
  assert.deepEqual(seen, [[0.5, "half"]]);
  runner.dispose();
});

test("cancel stops a simulation stuck in a loop within 100 ms, and the next run works", async () => {
  const runner = new CellRunner(threadWorkers(workerPath));
  await runner.run({ simulator: "x", source: "warm" }, cancellable());
  const signal = cancellable();
  const pending = runner.run({ simulator: "x", source: "loop" }, signal);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  signal.cancel();
  await assert.rejects(pending, CancelledError);
  const stopMs = performance.now() - t0;
  assert.ok(stopMs < 100, `cancel took ${stopMs} ms`);
  const after = await runner.run({ simulator: "x", source: "again" }, cancellable());
  assert.match((after.result as { error: { message: string } }).error.message, /echo again/);
  runner.dispose();
});

test("a crashed worker fails the run with a clear message instead of hanging", async () => {
  const runner = new CellRunner(threadWorkers(workerPath));
  await assert.rejects(runner.run({ simulator: "x", source: "crash" }, cancellable()), /worker stopped unexpectedly \(exit code 3\)/);
  const after = await runner.run({ simulator: "x", source: "ok" }, cancellable());
  assert.equal(after.result.ok, false);
  runner.dispose();
});

test("an already cancelled run does not start", async () => {
  const runner = new CellRunner(threadWorkers(workerPath));
  const s = cancellable();
  s.cancel();
  await assert.rejects(runner.run({ simulator: "x", source: "loop" }, s), CancelledError);
  runner.dispose();
});
