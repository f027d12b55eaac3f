// How the engine reads files next to a notebook (a cache trace) without touching the disk itself:
// hosts hand it a FileAccess; the default refuses.
import { ScenarioError } from "./errors";

/** A file opened for reading, a chunk at a time. */
export interface ByteSource {
  /** Reads up to buffer.length bytes; 0 at the end of the file. */
  read(buffer: Uint8Array): number;
  close(): void;
  /** Total bytes, when known (for progress). */
  readonly size?: number;
}

/** Files next to the notebook (hosts pass one in: src/host/node/files.ts reads a notebook's folder); opening throws a ScenarioError when not allowed. */
export interface FileAccess {
  open(path: string): ByteSource;
}

/**
 * The path a cell names, as folders and a file name below the notebook's folder; a path that is
 * absolute or climbs out of the folder is refused with a clear message. Hosts join the parts to
 * the folder their own way (a disk path, a workspace URI).
 */
export function confinedPath(path: string): string[] {
  if (/^([\\/]|[A-Za-z]:)/.test(path)) throw new ScenarioError(`"${path}" is an absolute path; name the file relative to the notebook's folder.`);
  const parts: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.pop() === undefined)
      throw new ScenarioError(`"${path}" is outside the notebook's folder; only files in that folder or below it can be read.`);
  }
  if (parts.length === 0) throw new ScenarioError(`"${path}" names no file.`);
  return parts;
}
