// Messages between the extension host and the simulation worker thread.
import type { CellRequest, CellResult } from "./run";

export type ToWorker = { readonly type: "run"; readonly id: number; readonly request: CellRequest };

export type FromWorker =
  | { readonly type: "progress"; readonly id: number; readonly fraction: number; readonly message?: string }
  | { readonly type: "done"; readonly id: number; readonly result: CellResult; readonly durationMs: number };
