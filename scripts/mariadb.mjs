// A throwaway MariaDB server (Debian's mariadb-server: InnoDB) for the MySQL model's differential
// tests: installs the package when missing, creates a data directory in a temporary folder owned
// by the mysql user, starts the server on 127.0.0.1 only with the grant tables off, and deletes
// everything on stop. The package's own service is not used.
// Usage: node scripts/mariadb.mjs   (starts one, prints its version and port, stops it)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ensurePackages, tempDirOwnedBy } from "./tools.mjs";
import { freePort } from "./code-server.mjs";

const SERVER = "/usr/sbin/mariadbd";

function waitForPort(port, ms) {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > end) reject(new Error(`MariaDB did not listen on ${port} within ${ms} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startMariadb() {
  if (!existsSync(SERVER)) ensurePackages(["mariadb-server"]);
  if (!existsSync(SERVER)) throw new Error("MariaDB is not installed and could not be installed (apt-get install mariadb-server).");
  if (process.getuid?.() !== 0) throw new Error("The MariaDB differential tests start the server as the mysql user and need root (as on CI).");
  const dir = tempDirOwnedBy("dsnb-mariadb-", "mysql");
  const init = spawnSync(
    "mariadb-install-db",
    ["--no-defaults", "--user=mysql", `--datadir=${join(dir, "data")}`, "--auth-root-authentication-method=normal", "--skip-test-db"],
    { encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const child = spawn(
    SERVER,
    [
      "--no-defaults",
      "--user=mysql",
      `--datadir=${join(dir, "data")}`,
      `--socket=${join(dir, "sock")}`,
      `--pid-file=${join(dir, "pid")}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-grant-tables",
      "--skip-log-bin",
      "--innodb-flush-log-at-trx-commit=0",
      "--innodb-buffer-pool-size=32M",
      `--log-error=${join(dir, "err.log")}`,
    ],
    { stdio: "ignore" },
  );
  await waitForPort(port, 30_000);
  const version = spawnSync(SERVER, ["--version"], { encoding: "utf8" }).stdout.trim();
  return {
    port,
    version,
    connection: { host: "127.0.0.1", port, user: "root" },
    stop() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void startMariadb().then((db) => {
    console.log(`${db.version} on port ${db.port}`);
    db.stop();
  });
}
