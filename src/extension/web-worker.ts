// The simulation worker in the browser, a Web Worker: the same runs as the desktop's worker thread
// (workerLoop.ts), with the files next to the notebook given by the extension host in each request.
import { givenFiles } from "../host/web/files";
import type { ToWorker } from "../protocol/worker";
import { serveRuns } from "./workerLoop";

declare const self: { onmessage: ((e: { data: ToWorker }) => void) | null; postMessage(m: unknown): void };

const serve = serveRuns({
  post: (m) => self.postMessage(m),
  files: (m) => givenFiles(m.files ?? {}),
  describe: () => `a Web Worker (${Object.prototype.toString.call(globalThis).slice(8, -1)})`,
});
self.onmessage = (e) => serve(e.data);
