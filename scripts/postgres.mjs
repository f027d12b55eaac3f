// A throwaway PostgreSQL server for the differential tests: installs Debian's postgresql package
// when it is missing, creates a cluster in a temporary folder owned by the postgres user, starts
// it on 127.0.0.1 only, and deletes everything on stop. About a second to start.
// Usage: node scripts/postgres.mjs   (starts one, prints its port, stops it)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensurePackages, tempDirOwnedBy } from "./tools.mjs";
import { freePort } from "./code-server.mjs";

function binDir() {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions.length ? join(root, versions[0], "bin") : undefined;
}

function asPostgres(args) {
  const r = spawnSync("runuser", ["-u", "postgres", "--", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Start a server; `settings` become -c options (deadlock_timeout, …). */
export async function startPostgres(settings = {}) {
  if (!binDir()) ensurePackages(["postgresql"]);
  const bin = binDir();
  if (!bin) throw new Error("PostgreSQL is not installed and could not be installed (apt-get install postgresql).");
  if (process.getuid?.() !== 0) throw new Error("The differential tests start PostgreSQL as the postgres user and need root (as on CI).");
  const dir = tempDirOwnedBy("dsnb-pg-", "postgres");
  const port = await freePort();
  asPostgres([join(bin, "initdb"), "-D", join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
  ].join(" ");
  asPostgres([join(bin, "pg_ctl"), "-D", join(dir, "data"), "-l", join(dir, "log"), "-o", options, "-w", "start"]);
  const version = asPostgres([join(bin, "postgres"), "--version"]).trim();
  return {
    port,
    version,
    connection: { host: "127.0.0.1", port, user: "postgres", database: "postgres" },
    stop() {
      spawnSync("runuser", ["-u", "postgres", "--", join(bin, "pg_ctl"), "-D", join(dir, "data"), "stop", "-m", "immediate"], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void startPostgres().then((pg) => {
    console.log(`${pg.version} on port ${pg.port}`);
    pg.stop();
  });
}
