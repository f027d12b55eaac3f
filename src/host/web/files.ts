// Files next to a notebook inside a Web Worker, which cannot read the workspace: the extension host
// reads each file a run asks for (through vscode.workspace.fs, confined to the notebook's folder)
// and sends the run again with it. A file not given yet stops the run and is named in `needed`.
import { ScenarioError } from "../../core/errors";
import { confinedPath, type FileAccess } from "../../core/files";
import type { GivenFile } from "../../protocol/worker";

export interface GivenFiles {
  readonly access: (baseDir: string | undefined) => FileAccess;
  /** The first file the run asked for and was not given. */
  needed(): string | undefined;
}

export function givenFiles(files: Readonly<Record<string, GivenFile>>): GivenFiles {
  let needed: string | undefined;
  const access = (baseDir: string | undefined): FileAccess => ({
    open(path) {
      if (baseDir === undefined) throw new ScenarioError(`This notebook has no folder, so "${path}" cannot be read. Save the notebook next to the file first.`);
      confinedPath(path);
      const bytes = files[path];
      if (!bytes) {
        needed ??= path;
        throw new ScenarioError(`"${path}" has not been read yet.`);
      }
      if (!(bytes instanceof Uint8Array)) throw new ScenarioError(bytes.error);
      let at = 0;
      return {
        size: bytes.length,
        read(buffer) {
          const n = Math.min(buffer.length, bytes.length - at);
          buffer.set(bytes.subarray(at, at + n));
          at += n;
          return n;
        },
        close: () => {
          at = bytes.length;
        },
      };
    },
  });
  return { access, needed: () => needed };
}
