// A throwaway PostgreSQL server for the differential tests: installs Debian's postgresql package
// when it is missing, creates a cluster in a temporary folder owned by the postgres user, starts
// it on 127.0.0.1 only, and deletes everything on stop. About a second to start.
// `startReplicaSet` starts a primary and a hot standby streaming from it (pg_basebackup -R), for
// the replication tier; `promote` and `cutOff` act on its standby.
// Usage: node scripts/postgres.mjs              (starts one, prints its port, stops it)
//        node scripts/postgres.mjs replica-set  (the same with a primary and a standby)
import { execFile, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

const SYNCHRONOUS = new Set(["remote_apply", "on", "remote_write"]);
const STANDBY_NAME = "standby";

/** As asPostgres, without blocking the event loop (scenarios run side by side, and time their reads). */
function asPostgresAsync(args) {
  return new Promise((resolve, reject) => {
    execFile("runuser", ["-u", "postgres", "--", ...args], { encoding: "utf8" }, (error, stdout, stderr) =>
      error ? reject(new Error(`${args.join(" ")} failed: ${stderr || stdout || error.message}`)) : resolve(stdout),
    );
  });
}

function pgCtl(bin, dir, ...args) {
  return asPostgresAsync([join(bin, "pg_ctl"), "-D", join(dir, "data"), "-l", join(dir, "log"), ...args]);
}

async function stopQuietly(bin, dir) {
  await asPostgresAsync([join(bin, "pg_ctl"), "-D", join(dir, "data"), "stop", "-m", "immediate"]).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

/** Run one SQL statement through psql on a local server; its single value, trimmed. */
async function psql(bin, port, sql) {
  const out = await asPostgresAsync([
    join(bin, "psql"),
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-U",
    "postgres",
    "-d",
    "postgres",
    "-XAtq",
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    sql,
  ]);
  return out.trim();
}

async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A primary and a hot standby streaming from it, both throwaway, both on 127.0.0.1.
 * - `synchronousCommit`: the primary's synchronous_commit; for remote_apply, on and remote_write the
 *   standby is named in synchronous_standby_names, so commits wait for it; for local and off it is not
 *   (asynchronous replication). Sessions may still set synchronous_commit themselves.
 * - `applyDelayMs`: the standby's recovery_min_apply_delay (commit records are applied only that long
 *   after their commit time on the primary; WAL is still received and flushed at once).
 * The primary keeps commit timestamps (track_commit_timestamp) so a test can tell when a commit
 * happened by the server's own clock. `setup` (SQL) runs on the primary before the base backup, so
 * the standby starts with it. Resolves once pg_stat_replication shows the standby streaming.
 */
export async function startReplicaSet({ applyDelayMs = 0, synchronousCommit = "on", setup = "" } = {}) {
  if (!binDir()) ensurePackages(["postgresql"]);
  const bin = binDir();
  if (!bin) throw new Error("PostgreSQL is not installed and could not be installed (apt-get install postgresql).");
  if (process.getuid?.() !== 0) throw new Error("The replication tests start PostgreSQL as the postgres user and need root (as on CI).");
  const primaryDir = tempDirOwnedBy("dsnb-pg-primary-", "postgres");
  let standbyDir;
  const stop = async () => {
    if (standbyDir) await stopQuietly(bin, standbyDir);
    await stopQuietly(bin, primaryDir);
  };
  try {
    const primaryPort = await freePort();
    await asPostgresAsync([join(bin, "initdb"), "-D", join(primaryDir, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
    // Replication connections from 127.0.0.1 (initdb's defaults have one too; this does not rely on them).
    appendFileSync(join(primaryDir, "data", "pg_hba.conf"), "host replication postgres 127.0.0.1/32 trust\n");
    const primaryOptions = [
      `-p ${primaryPort}`,
      `-k ${primaryDir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c wal_level=replica",
      "-c max_wal_senders=4",
      "-c track_commit_timestamp=on",
      `-c synchronous_commit=${synchronousCommit}`,
      ...(SYNCHRONOUS.has(synchronousCommit) ? [`-c synchronous_standby_names=${STANDBY_NAME}`] : []),
    ].join(" ");
    await pgCtl(bin, primaryDir, "-o", primaryOptions, "-w", "start");
    // Local: with a synchronous standby named but not there yet, a commit would wait for ever.
    if (setup) await psql(bin, primaryPort, `set synchronous_commit = local; ${setup}`);

    standbyDir = tempDirOwnedBy("dsnb-pg-standby-", "postgres");
    const standbyPort = await freePort();
    // -R writes standby.signal and primary_conninfo (with our application_name) into postgresql.auto.conf.
    const conninfo = `host=127.0.0.1 port=${primaryPort} user=postgres application_name=${STANDBY_NAME}`;
    await asPostgresAsync([join(bin, "pg_basebackup"), "-d", conninfo, "-D", join(standbyDir, "data"), "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
    const standbyOptions = [
      `-p ${standbyPort}`,
      `-k ${standbyDir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c hot_standby=on",
      "-c wal_receiver_status_interval=1",
      `-c recovery_min_apply_delay=${applyDelayMs}ms`,
    ].join(" ");
    await pgCtl(bin, standbyDir, "-o", standbyOptions, "-w", "start");
    await until(
      "the standby streams from the primary",
      30_000,
      async () =>
        (await psql(bin, primaryPort, `select count(*) from pg_stat_replication where application_name = '${STANDBY_NAME}' and state = 'streaming'`)) === "1",
    );
    const version = (await asPostgresAsync([join(bin, "postgres"), "--version"])).trim();
    const connection = (port) => ({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    return {
      version,
      primary: connection(primaryPort),
      standby: connection(standbyPort),
      /** Promote the standby (pg_ctl promote, waiting until it accepts writes). */
      async promote() {
        await pgCtl(bin, standbyDir, "-w", "promote");
      },
      /**
       * Cut the standby off from the primary, at once: the primary rejects replication connections
       * (a reject line first in pg_hba.conf, reloaded) and its WAL senders are terminated; then the
       * standby's primary_conninfo is emptied too. Nothing committed on the primary after this reaches
       * the standby. Emptying primary_conninfo alone is not enough: a standby waiting out
       * recovery_min_apply_delay stops its WAL receiver only when it next asks for WAL, after the wait.
       */
      async cutOff() {
        const hba = join(primaryDir, "data", "pg_hba.conf");
        writeFileSync(hba, `host replication all 0.0.0.0/0 reject\nhost replication all ::/0 reject\n${readFileSync(hba, "utf8")}`);
        await psql(bin, primaryPort, "select pg_reload_conf()");
        await new Promise((r) => setTimeout(r, 200));
        await until(
          "the primary has no WAL sender",
          10_000,
          async () => (await psql(bin, primaryPort, "select count(pg_terminate_backend(pid)) from pg_stat_replication")) === "0",
        );
        await psql(bin, standbyPort, "alter system set primary_conninfo = ''");
        await psql(bin, standbyPort, "select pg_reload_conf()");
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "replica-set") {
    void startReplicaSet({ applyDelayMs: 1500, synchronousCommit: "remote_apply" }).then((set) => {
      console.log(`${set.version}: primary on port ${set.primary.port}, standby on port ${set.standby.port}`);
      return set.stop();
    });
  } else {
    void startPostgres().then((pg) => {
      console.log(`${pg.version} on port ${pg.port}`);
      pg.stop();
    });
  }
}
