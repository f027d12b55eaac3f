// Runs cells in a simulation worker kept warm between runs. Cancelling terminates the worker, which
// stops even a simulation stuck in a tight loop within milliseconds; the next run starts a new one.
// The worker itself comes from the host (src/host/node/worker.ts, src/host/web/worker.ts), so this
// file is the same on the desktop and in the browser.
import { CancelledError } from "../core/errors";
import type { CellRequest, CellResult } from "../engine/pipeline";
import type { FromWorker, GivenFile, SimWorker, WorkerEvents, WorkerHost } from "../protocol/worker";

export type { WorkerHost } from "../protocol/worker";

export interface CancelSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface RunReport {
  readonly result: CellResult;
  readonly durationMs: number;
}

export type ProgressListener = (fraction: number, message?: string) => void;

/** A run is sent again at most this many times for files it asked for. */
const MAX_FILES = 16;

interface Pending {
  readonly request: CellRequest;
  readonly files: Record<string, GivenFile>;
  readonly resolve: (r: RunReport) => void;
  readonly reject: (e: Error) => void;
  readonly progress: ProgressListener;
}

export class CellRunner {
  private worker: Promise<SimWorker> | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private describing = new Map<number, (worker: string) => void>();

  constructor(private readonly host: WorkerHost) {}

  run(request: CellRequest, signal: CancelSignal, progress: ProgressListener = () => {}): Promise<RunReport> {
    if (signal.isCancellationRequested) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    return new Promise<RunReport>((resolve, reject) => {
      const subscription = signal.onCancellationRequested(() => this.restart(new CancelledError()));
      const done = () => subscription.dispose();
      const entry: Pending = {
        request,
        files: {},
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        progress,
      };
      this.pending.set(id, entry);
      void this.send(id, entry);
    });
  }

  /** The worker's own account of what it is (a worker thread, a Web Worker). */
  async describe(): Promise<string> {
    const worker = await this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.describing.set(id, resolve);
      worker.postMessage({ type: "describe", id });
    });
  }

  private async send(id: number, entry: Pending): Promise<void> {
    let worker: SimWorker;
    try {
      worker = await this.ensureWorker();
    } catch (err) {
      this.pending.delete(id);
      entry.reject(new Error(`The simulation worker could not start: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    if (!this.pending.has(id)) return; // cancelled while the worker started
    worker.hold(true);
    worker.postMessage({ type: "run", id, request: entry.request, ...(Object.keys(entry.files).length ? { files: entry.files } : {}) });
  }

  private ensureWorker(): Promise<SimWorker> {
    if (this.worker) return this.worker;
    let self: Promise<SimWorker> | undefined = undefined;
    const events: WorkerEvents = {
      message: (m) => void this.onMessage(m),
      failed: (reason) => {
        if (this.worker === self) this.restart(new Error(reason));
      },
    };
    self = Promise.resolve(this.host.start(events));
    this.worker = self;
    self.catch(() => {
      if (this.worker === self) this.worker = undefined;
    });
    return self;
  }

  private async onMessage(message: FromWorker): Promise<void> {
    if (message.type === "described") {
      this.describing.get(message.id)?.(message.worker);
      this.describing.delete(message.id);
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    if (message.type === "progress") entry.progress(message.fraction, message.message);
    else if (message.type === "needFile") await this.fetchFile(message.id, entry, message.path);
    else this.finish(message.id, entry, { result: message.result, durationMs: message.durationMs });
  }

  /** Reads the file a run asked for and sends the run again with it (or with why it could not be read). */
  private async fetchFile(id: number, entry: Pending, path: string): Promise<void> {
    const { baseDir } = entry.request;
    if (!this.host.readFile || baseDir === undefined || path in entry.files || Object.keys(entry.files).length >= MAX_FILES) {
      const message = `The simulation asked for "${path}", which could not be given to it.`;
      return this.finish(id, entry, { result: { ok: false, error: { message, diagnostics: [] } }, durationMs: 0 });
    }
    try {
      entry.files[path] = await this.host.readFile(baseDir, path);
    } catch (err) {
      entry.files[path] = { error: err instanceof Error ? err.message : String(err) };
    }
    if (this.pending.get(id) === entry) void this.send(id, entry);
  }

  private finish(id: number, entry: Pending, report: RunReport): void {
    this.pending.delete(id);
    if (this.pending.size === 0) void this.worker?.then((w) => w.hold(false)).catch(() => {});
    entry.resolve(report);
  }

  /** End the current worker (a cancel, or a crash) and fail what it was running. */
  private restart(reason: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const e of entries) e.reject(reason);
    void worker?.then((w) => w.terminate()).catch(() => {});
  }

  dispose(): void {
    this.restart(new CancelledError());
  }
}
