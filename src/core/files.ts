// How the engine reads files next to a notebook (a cache trace) without touching the disk itself:
// hosts hand it a FileAccess; the default refuses.

/** A file opened for reading, a chunk at a time. */
export interface ByteSource {
  /** Reads up to buffer.length bytes; 0 at the end of the file. */
  read(buffer: Uint8Array): number;
  close(): void;
  /** Total bytes, when known (for progress). */
  readonly size?: number;
}

/** Files next to the notebook (hosts pass one in: src/host/files.ts reads a notebook's folder); opening throws a ScenarioError when not allowed. */
export interface FileAccess {
  open(path: string): ByteSource;
}
