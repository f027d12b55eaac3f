// Starts a real VS Code (code-server) on 127.0.0.1 with our packaged extension installed, for
// `npm start` and the end-to-end tests. Everything it writes lives under the folder it is given.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

/**
 * Install the VSIX into a fresh profile and start code-server on `folder`.
 * @param {{ codeServer: string, vsix: string, stateDir: string, folder: string, port?: number, settings?: object, quiet?: boolean }} o
 */
export async function startCodeServer(o) {
  const userDataDir = resolve(o.stateDir, "user-data");
  const extensionsDir = resolve(o.stateDir, "extensions");
  mkdirSync(join(userDataDir, "User"), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, "User", "settings.json"),
    JSON.stringify(
      {
        "telemetry.telemetryLevel": "off",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "update.mode": "none",
        ...o.settings,
      },
      null,
      2,
    ),
  );
  const install = spawnSync(
    o.codeServer,
    ["--install-extension", resolve(o.vsix), "--force", "--extensions-dir", extensionsDir, "--user-data-dir", userDataDir],
    { encoding: "utf8" },
  );
  if (install.status !== 0) throw new Error(`installing ${o.vsix} into code-server failed:\n${install.stdout}\n${install.stderr}`);
  const port = o.port ?? (await freePort());
  const args = [
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--auth",
    "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--user-data-dir",
    userDataDir,
    "--extensions-dir",
    extensionsDir,
    resolve(o.folder),
  ];
  const child = spawn(o.codeServer, args, { stdio: o.quiet ? "ignore" : ["ignore", "inherit", "inherit"], detached: false });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(url, 60_000, child);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const stop = () =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
  return { url, port, folder: resolve(o.folder), stop, child };
}
