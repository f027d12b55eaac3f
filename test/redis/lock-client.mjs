// Client A of the lock tests as an OS process of its own, so that the test can stop it for real
// (SIGSTOP, as a long GC pause or a frozen VM would) and continue it (SIGCONT). It holds one
// connection to Redis and answers JSON lines on stdin with JSON lines on stdout, one at a time, in
// order; a line sent while it is stopped is read when it continues.
//   {"op":"acquire","key","tokens","ttlMs"} → INCR tokens for a fencing token, SET key token NX PX ttl
//        → {"op":"acquire","ok","token"}
//   {"op":"check"} → is the lease still valid by this process's clock (ttl from before the SET)?
//        → {"op":"check","valid","remainingMs"}
//   {"op":"write","keys":[last,value],"fencing"} → the storage's write script with its token → {"op":"write","accepted"}
//   {"op":"release","key"} → the compare-and-delete script with its token → {"op":"release","deleted"}
// It prints {"op":"ready"} once connected and exits when stdin closes.
// Usage: node test/redis/lock-client.mjs <port>
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { connectRedis, LOCK_SCRIPTS } from "../../scripts/redis.mjs";

const redis = await connectRedis(Number(process.argv[2]));
let token;
let validUntilMs;

const handlers = {
  async acquire({ key, tokens, ttlMs }) {
    const startedMs = performance.now();
    const t = await redis.command("INCR", tokens);
    const ok = (await redis.command("SET", key, t, "NX", "PX", ttlMs)) === "OK";
    if (ok) [token, validUntilMs] = [t, startedMs + ttlMs];
    return { ok, token: t };
  },
  async check() {
    const remainingMs = validUntilMs - performance.now();
    return { valid: remainingMs > 0, remainingMs };
  },
  async write({ keys, fencing }) {
    const accepted = await redis.command("EVAL", LOCK_SCRIPTS.write, 2, ...keys, token, `written by A with token ${token}`, fencing ? "1" : "0");
    return { accepted: accepted === 1 };
  },
  async release({ key }) {
    return { deleted: await redis.command("EVAL", LOCK_SCRIPTS.release, 1, key, token) };
  },
};

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
say({ op: "ready" });
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line);
  try {
    say({ op: msg.op, ...(await handlers[msg.op](msg)) });
  } catch (e) {
    say({ op: msg.op, error: String(e) });
  }
}
redis.close();
