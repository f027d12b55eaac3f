// The simulation worker on the desktop, a Node worker thread: runs scenario cells off the extension
// host's main thread, so a long simulation never freezes VS Code, and a cancel can stop it at once
// by ending the thread. It reads files next to the notebook from the disk itself.
import { parentPort, threadId } from "node:worker_threads";
import { folderFiles } from "../host/node/files";
import { serveRuns } from "./workerLoop";

parentPort?.on(
  "message",
  serveRuns({
    post: (m) => parentPort!.postMessage(m),
    files: () => ({ access: folderFiles }),
    describe: () => `a Node.js worker thread (thread ${threadId}, Node ${process.versions.node})`,
  }),
);
