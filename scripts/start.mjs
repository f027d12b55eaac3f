// `npm start`: build and package the extension, install code-server and Chromium if missing, and
// serve VS Code on http://127.0.0.1:${DSNB_PORT:-8080} with the samples open and dsnb installed.
import { rmSync } from "node:fs";
import { packageExtension } from "./package.mjs";
import { ensureTools } from "./tools.mjs";
import { startCodeServer } from "./code-server.mjs";

const port = Number(process.env.DSNB_PORT ?? 8080);
console.log("[start] building and packaging the extension…");
const { file, kb } = packageExtension();
console.log(`[start] ${file} (${kb} KB)`);
const { codeServer } = ensureTools();
rmSync(".cache/start", { recursive: true, force: true });
const server = await startCodeServer({
  codeServer,
  vsix: file,
  stateDir: ".cache/start",
  folder: "samples",
  port,
  settings: { "security.workspace.trust.enabled": false, "workbench.colorTheme": "Default Dark Modern" },
});
console.log(
  `\n  dsnb is running in VS Code at ${server.url}?folder=${encodeURIComponent(server.folder)}\n  Open a .dsnb sample and press Run All. Ctrl+C stops the server.\n`,
);
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, async () => {
    await server.stop();
    process.exit(0);
  });
server.child.on("exit", (code) => process.exit(code ?? 0));
