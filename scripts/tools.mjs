// Installs what `npm start` and the end-to-end tests need, idempotently:
//  - Debian packages: chromium (the browser), libkrb5-dev (code-server's kerberos module), ripgrep
//  - code-server 4.100.3 (VS Code 1.100, the newest line that runs on Node 20), built for this
//    machine without downloads from outside the npm registry, in a cache folder outside git.
// Usage: node scripts/tools.mjs        (prints where things are)
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export const CODE_SERVER_VERSION = "4.100.3";
const PACKAGES = ["chromium", "libkrb5-dev", "ripgrep", "unzip"];
const toolsDir = process.env.DSNB_TOOLS_DIR ?? join(homedir(), ".cache", "dsnb");
const csDir = join(toolsDir, `code-server-${CODE_SERVER_VERSION}`);
const marker = join(csDir, ".installed");

function log(message) {
  console.log(`[tools] ${message}`);
}

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(" ")}${opts.cwd ? `   (in ${opts.cwd})` : ""}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.status}`);
}

function dpkgInstalled(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

/** A new temporary folder owned by a system user (such as postgres or mysql), readable by all. */
export function tempDirOwnedBy(prefix, user) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const id = (flag) => Number(spawnSync("id", [flag, user], { encoding: "utf8" }).stdout.trim());
  chownSync(dir, id("-u"), id("-g"));
  return dir;
}

export function ensurePackages(packages = PACKAGES) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  if (spawnSync("which", ["apt-get"]).status !== 0)
    throw new Error(`Missing Debian packages ${missing.join(", ")} and apt-get is not available: install them by hand.`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  log(`installing Debian packages: ${missing.join(", ")}`);
  const cmd = (args) => (sudo.length ? run("sudo", args) : run(args[0], args.slice(1)));
  cmd(["apt-get", "update"]);
  cmd(["apt-get", "install", "-y", "--no-install-recommends", ...missing]);
}

export function ensureCodeServer() {
  const bin = join(csDir, "node_modules", ".bin", "code-server");
  if (existsSync(marker) && existsSync(bin)) return bin;
  log(`installing code-server ${CODE_SERVER_VERSION} into ${csDir} (a few minutes, once)`);
  rmSync(csDir, { recursive: true, force: true });
  mkdirSync(csDir, { recursive: true });
  writeFileSync(join(csDir, "package.json"), JSON.stringify({ name: "dsnb-tools", private: true }));
  const npmEnv = { npm_config_yes: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
  run("npm", ["install", `code-server@${CODE_SERVER_VERSION}`, "--ignore-scripts", "--no-package-lock"], { cwd: csDir, env: npmEnv });
  const vscodeDir = join(csDir, "node_modules", "code-server", "lib", "vscode");
  run("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-package-lock"], { cwd: vscodeDir, env: npmEnv });
  // @vscode/ripgrep downloads its binary from GitHub in its install script: use Debian's instead.
  const rgDir = join(vscodeDir, "node_modules", "@vscode", "ripgrep", "bin");
  mkdirSync(rgDir, { recursive: true });
  copyFileSync("/usr/bin/rg", join(rgDir, "rg"));
  chmodSync(join(rgDir, "rg"), 0o755);
  run("npm", ["rebuild"], { cwd: vscodeDir, env: npmEnv });
  run("npm", ["install", "--omit=dev", "--no-package-lock"], { cwd: join(vscodeDir, "extensions"), env: npmEnv });
  run("npm", ["rebuild", "argon2"], { cwd: csDir, env: npmEnv });
  // Check the native modules load before declaring success.
  execFileSync(process.execPath, ["-e", "require('node-pty'); require('@parcel/watcher')"], { cwd: vscodeDir, stdio: "inherit" });
  writeFileSync(marker, new Date().toISOString());
  log("code-server installed");
  return bin;
}

export function ensureTools() {
  ensurePackages();
  const codeServer = ensureCodeServer();
  return { codeServer, chromium: "/usr/bin/chromium" };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const tools = ensureTools();
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: code-server ${tools.codeServer}, chromium ${tools.chromium}`);
}

/**
 * Ties a throwaway server's process (handed over with `track`) and its folder to the tests' process:
 * `stop()` ends the server (SIGTERM, then SIGKILL after 3 s) and removes the folder; if the tests'
 * process exits first (killed, a crash), the server gets `exitSignal` and the folder goes too.
 */
export function throwawayServer(dir, exitSignal) {
  let child;
  const onExit = () => {
    child?.kill(exitSignal);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  return {
    track(c) {
      child = c;
      return c;
    },
    async stop() {
      process.removeListener("exit", onExit);
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        let timer;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
        // A pending timer would keep the tests' process alive for the rest of the 3 s.
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
