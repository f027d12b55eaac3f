// A throwaway nginx for the rate-limit differential tests: installs Debian's nginx-light when no
// nginx is installed, writes a minimal configuration into a temporary folder (pid file, logs and
// temp paths all inside it), starts the master in the foreground (`daemon off`, one worker that
// drops to `nobody`) on 127.0.0.1 only, and deletes everything on stop. /etc/nginx and the system
// service are never read or touched: nginx runs with `-p <folder> -c <folder>/nginx.conf -e <log>`.
// Each location limits requests with its own `limit_req_zone` keyed by a fixed string, so every
// request to it shares one state; accepted requests get a static file with 200 (not `return 200`,
// which answers in the rewrite phase, before limit_req runs in the preaccess phase), rejected ones
// `limit_req_status 503`. The access log records, per request, its `i` query argument, status,
// `$msec` (when it ended) and `$request_time` (how long it took), so arrival = msec - request_time
// by nginx's own clock. The error log, at info level, has limit_req's own line for each request it
// delayed or rejected, with the excess it computed. About 100 ms to start.
// Usage: node scripts/nginx.mjs   (starts one, prints its version and port, stops it)
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePackages, throwawayServer } from "./tools.mjs";
import { freePort } from "./code-server.mjs";

const NGINX = "/usr/sbin/nginx";
const NAME = /^[a-z][a-z0-9_]*$/;
/** limit_req's own lines in the error log (at `limit_req_log_level info`), for requests sent with `?i=N`. */
const LIMIT_LINE = /(limiting requests|delaying request), excess: (\d+)\.(\d{3}),? by zone "([^"]+)".*request: "GET (\/[^? ]*)\?i=(\d+) /;

/** The limit_req line of one location: `limit_req zone=z burst=N [nodelay|delay=D];` */
function limitReqLine(zone, { burst, nodelay, delay }) {
  const extra = nodelay ? " nodelay" : delay ? ` delay=${delay}` : "";
  return `limit_req zone=${zone}${burst > 0 ? ` burst=${burst}` : ""}${extra};`;
}

function configText(dir, port, locations) {
  const zones = locations.map((l) => `    limit_req_zone "${l.name}" zone=${l.name}:1m rate=${l.ratePerSecond}r/s;`);
  const blocks = locations.map((l) =>
    [`        location = /${l.name} {`, `            ${limitReqLine(l.name, l)}`, `            alias ${join(dir, "ok.txt")};`, "        }"].join("\n"),
  );
  return `# Written by scripts/nginx.mjs for one test run; deleted on stop.
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} info;
events {
    worker_connections 256;
}
http {
    access_log off;
    client_body_temp_path ${join(dir, "client_body")};
    proxy_temp_path ${join(dir, "proxy")};
    fastcgi_temp_path ${join(dir, "fastcgi")};
    uwsgi_temp_path ${join(dir, "uwsgi")};
    scgi_temp_path ${join(dir, "scgi")};
    default_type text/plain;
    log_format timing '$arg_i $status $msec $request_time $uri';
    limit_req_status 503;
    limit_req_log_level info;
${zones.join("\n")}
    server {
        listen 127.0.0.1:${port};
        access_log ${join(dir, "access.log")} timing;
        keepalive_requests 100000;
        location = /ready {
            return 200 "ready\\n";
        }
${blocks.join("\n")}
    }
}
`;
}

function get(port, path) {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode));
    });
    req.on("error", fail);
    req.end();
  });
}

/**
 * Start nginx with one location per entry of `locations`: `{ name, ratePerSecond, burst, nodelay, delay }`
 * (name: lower-case letters, digits, `_`; it names the zone and the path `/<name>`). Resolves once it
 * answers `/ready`. `accessLog()` reads the timing log: `{ i, status, msec, requestTime, uri }` per line.
 * `limitLog()` reads what limit_req logged of its decisions: `{ i, uri, zone, kind: "delayed" | "rejected",
 * excess }` per delayed or rejected request (excess in thousandths of a request, as nginx computed it).
 */
export async function startNginx({ locations }) {
  for (const l of locations) if (!NAME.test(l.name)) throw new Error(`bad location name ${l.name}`);
  if (!existsSync(NGINX)) ensurePackages(["nginx-light"]);
  if (!existsSync(NGINX)) throw new Error("nginx is not installed and could not be installed (apt-get install nginx-light).");
  if (process.getuid?.() !== 0) throw new Error("The nginx tests start nginx as root (its worker runs as nobody), as on CI.");
  const dir = mkdtempSync(join(tmpdir(), "dsnb-nginx-"));
  chmodSync(dir, 0o755);
  let child;
  // SIGTERM when the tests' process ends first: the master then ends its worker (SIGKILL would leave it running).
  const { track, stop } = throwawayServer(dir, "SIGTERM");
  try {
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    writeFileSync(join(dir, "ok.txt"), "ok\n");
    chmodSync(join(dir, "ok.txt"), 0o644);
    writeFileSync(conf, configText(dir, port, locations));
    const test = spawnSync(NGINX, ["-t", "-q", "-p", dir, "-c", conf, "-e", join(dir, "error.log")], { encoding: "utf8" });
    if (test.status !== 0) throw new Error(`nginx -t failed: ${test.stderr}`);
    const version = spawnSync(NGINX, ["-v"], { encoding: "utf8" }).stderr.trim();
    child = track(spawn(NGINX, ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], { stdio: ["ignore", "ignore", "pipe"] }));
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited early with code ${child.exitCode}: ${stderr}`);
      if ((await get(port, "/ready").catch(() => 0)) === 200) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer on port ${port} within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      port,
      version,
      accessLog() {
        const file = join(dir, "access.log");
        if (!existsSync(file)) return [];
        return readFileSync(file, "utf8")
          .split("\n")
          .filter((line) => line.trim())
          .map((line) => {
            const [i, status, msec, requestTime, uri] = line.split(" ");
            return { i: i === "-" ? null : Number(i), status: Number(status), msec: Number(msec), requestTime: Number(requestTime), uri };
          });
      },
      limitLog() {
        const file = join(dir, "error.log");
        if (!existsSync(file)) return [];
        const out = [];
        for (const line of readFileSync(file, "utf8").split("\n")) {
          const m = LIMIT_LINE.exec(line);
          if (m)
            out.push({
              kind: m[1] === "limiting requests" ? "rejected" : "delayed",
              excess: Number(m[2]) * 1000 + Number(m[3]),
              zone: m[4],
              uri: m[5],
              i: Number(m[6]),
            });
        }
        return out;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void (async () => {
    const n = await startNginx({ locations: [{ name: "demo", ratePerSecond: 1, burst: 0, nodelay: false }] });
    const statuses = [await get(n.port, "/demo?i=0"), await get(n.port, "/demo?i=1")];
    await new Promise((r) => setTimeout(r, 50));
    console.log(`${n.version} on port ${n.port}: /demo twice at once -> ${statuses.join(", ")}`);
    await n.stop();
  })();
}
