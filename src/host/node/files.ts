// Files next to a notebook, for scenarios that read data (a cache trace), given to the engine by
// the Node hosts (the simulation worker thread, the command line, tests). Only paths inside the
// notebook's folder are opened (src/core/files.ts confinedPath), and only for reading; a notebook
// without a folder on disk reads none.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { ScenarioError } from "../../core/errors";
import { confinedPath, type FileAccess } from "../../core/files";

export function folderFiles(baseDir: string | undefined): FileAccess {
  return {
    open(path) {
      if (baseDir === undefined)
        throw new ScenarioError(`This notebook has no folder on disk, so "${path}" cannot be read. Save the notebook next to the file first.`);
      const full = join(baseDir, ...confinedPath(path));
      let fd: number;
      try {
        fd = openSync(full, "r");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ScenarioError(code === "ENOENT" ? `There is no file "${path}" next to this notebook.` : `"${path}" cannot be read (${code ?? String(err)}).`);
      }
      let open = true;
      return {
        size: fstatSync(fd).size,
        read: (buffer) => (open ? readSync(fd, buffer, 0, buffer.length, null) : 0),
        close: () => {
          if (open) closeSync(fd);
          open = false;
        },
      };
    },
  };
}
