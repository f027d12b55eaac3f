// What a simulation worker does with each message, the same in a Node worker thread
// (worker.ts) and a Web Worker (web-worker.ts): run the cell with throttled progress, or say
// what kind of worker it is. Only reading files differs, and the entry hands that in.
import { runCell } from "../engine/pipeline";
import type { FileAccess } from "../core/files";
import type { FromWorker, ToWorker } from "../protocol/worker";

const PROGRESS_INTERVAL_MS = 100;

export interface WorkerSide {
  post(message: FromWorker): void;
  /** File access for one run; `needed` names a file the run asked for and was not given. */
  files(message: Extract<ToWorker, { type: "run" }>): { access: (baseDir: string | undefined) => FileAccess; needed?: () => string | undefined };
  /** This worker in a few words, from what the runtime says of itself. */
  describe(): string;
}

export function serveRuns(side: WorkerSide): (message: ToWorker) => void {
  return (message) => {
    if (message.type === "describe") return side.post({ type: "described", id: message.id, worker: side.describe() });
    const started = performance.now();
    let lastProgress = 0;
    const files = side.files(message);
    const progress = (fraction: number, text?: string) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      side.post({ type: "progress", id: message.id, fraction, ...(text !== undefined ? { message: text } : {}) });
    };
    const result = runCell(message.request, progress, files.access);
    const needed = files.needed?.();
    if (needed !== undefined) side.post({ type: "needFile", id: message.id, path: needed });
    else side.post({ type: "done", id: message.id, result, durationMs: performance.now() - started });
  };
}
