// The simulation worker: runs scenario cells off the extension host's main thread, so a long
// simulation never freezes VS Code, and a cancel can stop it at once by ending the thread.
import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { runCell } from "../engine/pipeline";
import { folderFiles } from "../host/files";
import type { FromWorker, ToWorker } from "../protocol/worker";

const PROGRESS_INTERVAL_MS = 100;

function post(message: FromWorker): void {
  parentPort!.postMessage(message);
}

parentPort?.on("message", (message: ToWorker) => {
  if (message.type !== "run") return;
  const started = performance.now();
  let lastProgress = 0;
  const result = runCell(
    message.request,
    (fraction, text) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      post({ type: "progress", id: message.id, fraction, ...(text !== undefined ? { message: text } : {}) });
    },
    folderFiles,
  );
  post({ type: "done", id: message.id, result, durationMs: performance.now() - started });
});
