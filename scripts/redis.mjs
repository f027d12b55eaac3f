// A throwaway Redis for the lock simulator's differential tests: installs Debian's redis-server
// when missing, starts it in the foreground as the `redis` user (or `nobody` when there is none)
// in a temporary folder it owns, on 127.0.0.1 and a free port, with persistence off
// (`--save "" --appendonly no`), and deletes the folder on stop, also when starting fails or the
// tests' process ends. The package's own service and /etc/redis are never used. A small RESP client
// (`connectRedis`) speaks to it without a client library, and LOCK_SCRIPTS hold the Lua scripts the
// lock tests' clients send (the same text in the test and in the lock client it spawns).
// Usage: node scripts/redis.mjs   (starts one, sets and reads a key, stops it)
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { ensurePackages, tempDirOwnedBy, throwawayServer } from "./tools.mjs";
import { freePort } from "./code-server.mjs";

const SERVER = "/usr/bin/redis-server";

/** The lock's scripts, for EVAL. */
export const LOCK_SCRIPTS = {
  /** KEYS[1] the lock, ARGV[1] the caller's token: DEL only when the key still holds it (1), else 0. */
  release: 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end',
  /**
   * The storage's write: KEYS[1] the last token it accepted (with fencing, the highest),
   * KEYS[2] the value. With ARGV[3] "1" (fencing) a token below the last is refused (0); otherwise
   * the token and the value ARGV[2] are stored (1).
   */
  write:
    'local last = tonumber(redis.call("get", KEYS[1])) local token = tonumber(ARGV[1]) ' +
    'if ARGV[3] == "1" and last and token < last then return 0 end ' +
    'redis.call("set", KEYS[1], ARGV[1]) redis.call("set", KEYS[2], ARGV[2]) return 1',
};

/** RESP: one command as an array of bulk strings. */
function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const s = String(a);
    parts.push(`$${Buffer.byteLength(s)}\r\n${s}\r\n`);
  }
  return parts.join("");
}

/** One reply from `buf` at `at`: { value, next } or undefined when incomplete. Errors become Error values. */
function parse(buf, at) {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString("utf8", at + 1, eol);
  if (type === "+") return { value: line, next: eol + 2 };
  if (type === "-") return { value: new Error(line), next: eol + 2 };
  if (type === ":") return { value: Number(line), next: eol + 2 };
  if (type === "$") {
    const n = Number(line);
    if (n < 0) return { value: null, next: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString("utf8", eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
  }
  if (type === "*") {
    const n = Number(line);
    if (n < 0) return { value: null, next: eol + 2 };
    const items = [];
    let next = eol + 2;
    for (let i = 0; i < n; i++) {
      const r = parse(buf, next);
      if (!r) return undefined;
      items.push(r.value);
      next = r.next;
    }
    return { value: items, next };
  }
  throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
}

/**
 * A connection to Redis at 127.0.0.1:`port`. `command(...args)` sends one command and resolves with
 * its reply (a string, number, null or array; a Redis error rejects). Replies come in order.
 */
export function connectRedis(port) {
  return new Promise((ok, fail) => {
    const sock = connect(port, "127.0.0.1");
    sock.setNoDelay(true);
    const waiting = [];
    let buf = Buffer.alloc(0);
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = buf.length ? parse(buf, 0) : undefined;
        if (!r) break;
        buf = buf.subarray(r.next);
        const w = waiting.shift();
        if (w) (r.value instanceof Error ? w.fail : w.ok)(r.value);
      }
    });
    sock.on("error", (e) => {
      for (const w of waiting.splice(0)) w.fail(e);
      fail(e);
    });
    sock.once("connect", () =>
      ok({
        command: (...args) =>
          new Promise((ok2, fail2) => {
            waiting.push({ ok: ok2, fail: fail2 });
            sock.write(encode(args));
          }),
        close: () => sock.end(),
      }),
    );
  });
}

function userOf() {
  return spawnSync("id", ["-u", "redis"]).status === 0 ? "redis" : "nobody";
}

/** Starts redis-server; resolves once it answers PING. */
export async function startRedis() {
  if (!existsSync(SERVER)) ensurePackages(["redis-server"]);
  if (!existsSync(SERVER)) throw new Error("redis-server is not installed and could not be installed (apt-get install redis-server).");
  if (process.getuid?.() !== 0) throw new Error("The redis tests start redis-server as its own user and need root (as on CI).");
  const user = userOf();
  const dir = tempDirOwnedBy("dsnb-redis-", user);
  const id = (flag) => Number(spawnSync("id", [flag, user], { encoding: "utf8" }).stdout.trim());
  let child;
  const { track, stop } = throwawayServer(dir, "SIGKILL");
  try {
    const port = await freePort();
    const version = spawnSync(SERVER, ["--version"], { encoding: "utf8" }).stdout.trim();
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", ""];
    child = track(spawn(SERVER, args, { cwd: dir, uid: id("-u"), gid: id("-g"), stdio: ["ignore", "pipe", "pipe"] }));
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited early with code ${child.exitCode}: ${output}`);
      const pong = await connectRedis(port)
        .then(async (c) => {
          const r = await c.command("PING");
          c.close();
          return r;
        })
        .catch(() => undefined);
      if (pong === "PONG") break;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s: ${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { port, version, user, connect: () => connectRedis(port), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void (async () => {
    const r = await startRedis();
    try {
      const c = await r.connect();
      const set = await c.command("SET", "lock", "1", "NX", "PX", "1000");
      const again = await c.command("SET", "lock", "2", "NX", "PX", "1000");
      console.log(`${r.version} as ${r.user} on port ${r.port}: SET NX -> ${set}, again -> ${again}, PTTL -> ${await c.command("PTTL", "lock")}`);
      c.close();
    } finally {
      await r.stop();
    }
  })();
}
