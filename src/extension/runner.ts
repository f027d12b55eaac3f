// Runs cells in a worker thread kept warm between runs. Cancelling terminates the thread, which
// stops even a simulation stuck in a tight loop within milliseconds; the next run starts a new one.
import { Worker } from "node:worker_threads";
import { CancelledError } from "../core/errors";
import type { CellRequest, CellResult } from "../engine/pipeline";
import type { FromWorker, ToWorker } from "../protocol/worker";

export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface RunReport {
  readonly result: CellResult;
  readonly durationMs: number;
}

export type ProgressListener = (fraction: number, message?: string) => void;

export class CellRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: RunReport) => void; reject: (e: Error) => void; progress: ProgressListener }>();

  constructor(private readonly workerPath: string) {}

  run(request: CellRequest, signal: CancelSignal, progress: ProgressListener = () => {}): Promise<RunReport> {
    if (signal.isCancellationRequested) return Promise.reject(new CancelledError());
    const worker = this.ensureWorker();
    const id = this.nextId++;
    worker.ref(); // keep the process alive while a run is pending; idle workers do not
    return new Promise<RunReport>((resolve, reject) => {
      const subscription = signal.onCancellationRequested(() => this.restart(new CancelledError()));
      this.pending.set(id, {
        resolve: (r) => {
          subscription.dispose();
          resolve(r);
        },
        reject: (e) => {
          subscription.dispose();
          reject(e);
        },
        progress,
      });
      worker.postMessage({ type: "run", id, request } satisfies ToWorker);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    worker.on("message", (message: FromWorker) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      if (message.type === "progress") entry.progress(message.fraction, message.message);
      else {
        this.pending.delete(message.id);
        if (this.pending.size === 0) worker.unref();
        entry.resolve({ result: message.result, durationMs: message.durationMs });
      }
    });
    worker.on("error", (err) => this.restart(new Error(`The simulation worker failed: ${err.message}`)));
    worker.on("exit", (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.failAll(new Error(`The simulation worker stopped unexpectedly (exit code ${code}).`));
      }
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** End the current worker (a cancel, or a crash) and fail what it was running. */
  private restart(reason: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(reason);
    void worker?.terminate();
  }

  private failAll(reason: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) e.reject(reason);
  }

  dispose(): void {
    this.restart(new CancelledError());
  }
}
