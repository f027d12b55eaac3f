// Messages between the extension host and the simulation worker: a Node worker thread on the
// desktop, a Web Worker in the browser. Both speak this protocol.
import type { CellRequest, CellResult } from "./run";

export type GivenFile = Uint8Array | { readonly error: string };

export type ToWorker =
  | {
      readonly type: "run";
      readonly id: number;
      readonly request: CellRequest;
      /**
       * Files next to the notebook, read by the extension host, by path relative to the notebook's
       * folder (browser hosts: a Web Worker cannot read the workspace itself), or why one could not
       * be read, for the run to fail on it in the cell as it would on the desktop.
       */
      readonly files?: Readonly<Record<string, GivenFile>>;
    }
  | { readonly type: "describe"; readonly id: number };

export type FromWorker =
  | { readonly type: "progress"; readonly id: number; readonly fraction: number; readonly message?: string }
  | { readonly type: "done"; readonly id: number; readonly result: CellResult; readonly durationMs: number }
  /** The run stopped at a file it was not given: the host reads it and sends the run again with it. */
  | { readonly type: "needFile"; readonly id: number; readonly path: string }
  /** What kind of worker this is, in words (for "Show Where Simulations Run"). */
  | { readonly type: "described"; readonly id: number; readonly worker: string };

/** A started worker, whatever the host: messages in, an end, and holding the host open while busy. */
export interface SimWorker {
  postMessage(message: ToWorker): void;
  /** Keep the host alive while a run is pending (Node); a no-op where that means nothing. */
  hold(busy: boolean): void;
  terminate(): void;
}

export interface WorkerEvents {
  message(message: FromWorker): void;
  /** The worker failed or stopped by itself: a message for the user. */
  failed(reason: string): void;
}

/** How a host starts the simulation worker, and reads the files its runs ask for. */
export interface WorkerHost {
  start(events: WorkerEvents): SimWorker | Promise<SimWorker>;
  /** Reads a file a run asked for ("needFile"); hosts whose worker reads files itself leave it out. */
  readFile?(baseDir: string, path: string): Promise<Uint8Array>;
}
