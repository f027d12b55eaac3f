// The simulation worker in the browser: a Web Worker started from the bytes of dist/web/worker.js,
// which the extension host reads (an extension's files may live on another origin, or behind the
// remote file system, where `new Worker(url)` is refused). A Blob URL keeps the worker on the
// page's own origin; the browser's extension host wraps it in its nested-worker support.
import type { WorkerHost } from "../../protocol/worker";

export function webWorkers(script: () => Promise<Uint8Array>, readFile: WorkerHost["readFile"]): WorkerHost {
  let url: Promise<string> | undefined;
  return {
    async start(events) {
      url ??= script().then((bytes) => URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: "text/javascript" })));
      const worker = new Worker(await url, { name: "dsnb simulation" });
      worker.onmessage = (e) => events.message(e.data);
      worker.onerror = (e) => events.failed(`The simulation worker failed: ${e.message || "an error in the worker"}`);
      return {
        postMessage: (m) => worker.postMessage(m),
        hold: () => {},
        terminate: () => worker.terminate(),
      };
    },
    ...(readFile ? { readFile } : {}),
  };
}
