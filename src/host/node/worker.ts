// The simulation worker on the desktop: a Node worker thread running dist/worker.js. An idle
// thread does not keep the extension host (or a test) alive; a busy one does.
import { Worker } from "node:worker_threads";
import type { WorkerHost } from "../../protocol/worker";

export function threadWorkers(scriptPath: string): WorkerHost {
  return {
    start(events) {
      const worker = new Worker(scriptPath);
      worker.on("message", events.message);
      worker.on("error", (err) => events.failed(`The simulation worker failed: ${err.message}`));
      worker.on("exit", (code) => events.failed(`The simulation worker stopped unexpectedly (exit code ${code}).`));
      worker.unref();
      return {
        postMessage: (m) => worker.postMessage(m),
        hold: (busy) => (busy ? worker.ref() : worker.unref()),
        terminate: () => void worker.terminate(),
      };
    },
  };
}
