// A throwaway HAProxy for the rate-limit differential tests: installs Debian's haproxy (2.6 on
// Debian 12) when none is installed, writes a configuration into a temporary folder owned by the
// `haproxy` user, and runs it in the foreground (`-db`) as that user, one thread, listening on
// 127.0.0.1 only; /etc/haproxy and the system service are never read or touched. Each limit gets a
// path `/<name>` and a stick table of its own (a backend section holding only the table) storing
// `http_req_rate(<periodMs>ms)`, keyed by the request's `x-key` header, so a caller that sends a new
// key gets a new entry. The rules are the usual pair: `http-request track-sc0 req.hdr(x-key)`, then
// `http-request deny deny_status 429 if { sc_http_req_rate(0) gt <limit> }`; allowed requests get
// `http-request return status 200` (no backend). Every answer's body is `<ms> <rate>`: HAProxy's
// date in ms when it ran the rules (`date(0,ms)`, the clock its counters read) and the rate
// `sc_http_req_rate(0)` read there. About 0.1 s to start.
// Usage: node scripts/haproxy.mjs   (starts one, prints its version and port, stops it)
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { ensurePackages, tempDirOwnedBy, throwawayServer } from "./tools.mjs";
import { freePort } from "./code-server.mjs";

const HAPROXY = "/usr/sbin/haproxy";
const USER = "haproxy";
const NAME = /^[a-z][a-z0-9_]*$/;
const BODY = '"%[var(txn.now)] %[var(txn.rate)]\\n"';

function configText(port, limits) {
  const rules = limits.flatMap((l) => [
    `    http-request track-sc0 req.hdr(x-key) table t_${l.name} if { path /${l.name} }`,
    `    http-request set-var(txn.rate) sc_http_req_rate(0) if { path /${l.name} }`,
    `    http-request deny deny_status 429 content-type text/plain lf-string ${BODY} if { path /${l.name} } { sc_http_req_rate(0) gt ${l.limit} }`,
  ]);
  const tables = limits.map((l) => `backend t_${l.name}\n    stick-table type string len 64 size 1k expire 10m store http_req_rate(${l.periodMs}ms)`);
  return `# Written by scripts/haproxy.mjs for one test run; deleted on stop.
global
    nbthread 1
    maxconn 512

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s

frontend limits
    bind 127.0.0.1:${port}
    http-request return status 200 content-type text/plain string "ready\\n" if { path /ready }
    http-request set-var(txn.now) date(0,ms)
${rules.join("\n")}
    http-request return status 200 content-type text/plain lf-string ${BODY}

${tables.join("\n\n")}
`;
}

function get(port, path) {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, headers: { "x-key": "smoke" } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => ok({ status: res.statusCode, body: body.trim() }));
    });
    req.on("error", fail);
    req.end();
  });
}

/**
 * Start HAProxy with one path and stick table per entry of `limits`: `{ name, periodMs, limit }` (name:
 * lower-case letters, digits, `_`). Resolves once it answers `/ready`.
 */
export async function startHaproxy({ limits }) {
  for (const l of limits) if (!NAME.test(l.name)) throw new Error(`bad limit name ${l.name}`);
  if (!existsSync(HAPROXY)) ensurePackages(["haproxy"]);
  if (!existsSync(HAPROXY)) throw new Error("HAProxy is not installed and could not be installed (apt-get install haproxy).");
  if (process.getuid?.() !== 0) throw new Error("The HAProxy tests start HAProxy as the haproxy user, which needs root, as on CI.");
  const dir = tempDirOwnedBy("dsnb-haproxy-", USER);
  const { track, stop } = throwawayServer(dir, "SIGKILL");
  try {
    const port = await freePort();
    const conf = join(dir, "haproxy.cfg");
    writeFileSync(conf, configText(port, limits));
    chmodSync(conf, 0o644);
    const id = (flag) => Number(spawnSync("id", [flag, USER], { encoding: "utf8" }).stdout.trim());
    const as = { uid: id("-u"), gid: id("-g"), cwd: dir };
    const check = spawnSync(HAPROXY, ["-c", "-q", "-f", conf], { encoding: "utf8", ...as });
    if (check.status !== 0) throw new Error(`haproxy -c failed: ${check.stdout}${check.stderr}`);
    const version = spawnSync(HAPROXY, ["-v"], { encoding: "utf8" }).stdout.split("\n")[0].trim();
    const child = track(spawn(HAPROXY, ["-db", "-f", conf], { stdio: ["ignore", "ignore", "pipe"], ...as }));
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`haproxy exited early with code ${child.exitCode}: ${stderr}`);
      if ((await get(port, "/ready").catch(() => ({ status: 0 }))).status === 200) break;
      if (Date.now() > deadline) throw new Error(`haproxy did not answer on port ${port} within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { port, version, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void (async () => {
    const h = await startHaproxy({ limits: [{ name: "demo", periodMs: 1000, limit: 1 }] });
    const answers = [await get(h.port, "/demo"), await get(h.port, "/demo")];
    console.log(`${h.version} on port ${h.port}: /demo twice at once -> ${answers.map((a) => `${a.status} (${a.body})`).join(", ")}`);
    await h.stop();
  })();
}
