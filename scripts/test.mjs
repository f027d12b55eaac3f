// `npm test`: every tier the project has, in order, stopping at the first failing tier.
// Tiers: build, typecheck, lint, unit + property, renderer (jsdom), PostgreSQL differential,
// PostgreSQL replication, nginx rate limiting, HAProxy rate limiting, Redis locks and counters,
// librdkafka's partitioner and assignors, MariaDB differential, end-to-end (real VS Code).
// The closing line sums the tests of every tier that ran: "N passed, N failed".
// Pass tier names to run only some: `npm test -- unit renderer`.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir) {
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (e.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

function nodeTests(dir) {
  const files = findTests(dir);
  if (files.length === 0) throw new Error(`no tests found under ${dir}`);
  return ["node", ["--import", "tsx", "--test", "--test-reporter=spec", ...files]];
}

const tiers = {
  build: () => ["node", ["esbuild.mjs"]],
  // Everything, then the pure folders again without the DOM or Node (tsconfig.pure.json).
  typecheck: () => ["sh", ["-c", "npx tsc -p . --noEmit && npx tsc -p tsconfig.pure.json --noEmit"]],
  // ESLint (layers, no simulator importing another, value cycles, function length), Prettier
  // (every file formatted; `npm run format` writes it), then import cycles with type-only imports
  // counted.
  lint: () => ["sh", ["-c", "npx eslint . && npx prettier --check --log-level warn . && node scripts/check-cycles.mjs"]],
  unit: () => nodeTests("test/unit"),
  renderer: () => nodeTests("test/renderer"),
  // Differential tests against a real PostgreSQL (installed with apt-get on first use; needs root).
  postgres: () => nodeTests("test/postgres"),
  // A PostgreSQL primary and hot standby: what replication shows readers, for the replication
  // simulator to be compared with (installed like postgres; needs root).
  "pg-replication": () => nodeTests("test/pg-replication"),
  // nginx's limit_req: which requests of timed schedules it accepts, delays or rejects, for the
  // rate-limit simulator's nginx variant to be compared with (installs nginx-light; needs root).
  nginx: () => nodeTests("test/nginx"),
  // HAProxy 2.6's stick-table http_req_rate with a deny rule: which requests of timed schedules it
  // denies and the rate it read, for the rate-limit simulator's haproxy variant to be compared with
  // (installs haproxy; needs root).
  haproxy: () => nodeTests("test/haproxy"),
  // A real Redis: when a second client's SET NX PX gets a lease lock, and the compare-and-delete
  // release, for the lock simulator's single-instance model (installs redis-server; needs root).
  redis: () => nodeTests("test/redis"),
  // librdkafka's mock cluster (in the driver's process; no JVM, no broker): its murmur2_random
  // partitioner and its range, roundrobin and cooperative-sticky assignors, for the kafka model's
  // partitioner and assignors (installs python3-confluent-kafka, which brings librdkafka).
  librdkafka: () => nodeTests("test/librdkafka"),
  // The MySQL model against MariaDB's InnoDB (installed with apt-get on first use; needs root).
  mariadb: () => nodeTests("test/mariadb"),
  // A real VS Code (code-server) driven by headless Chromium; installs both on first use.
  e2e: () => nodeTests("test/e2e"),
};

/** Run a command, echoing its output, and count node:test's pass/fail lines. */
function runTier(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    const counts = { pass: 0, fail: 0 };
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        const m = /^ℹ (pass|fail) (\d+)$/.exec(line.trim());
        if (m) counts[m[1]] += Number(m[2]);
      }
    });
    child.on("close", (code) => resolve({ code: code ?? 1, ...counts }));
  });
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(tiers);
let passed = 0;
let failed = 0;
for (const name of names) {
  const tier = tiers[name];
  if (!tier) {
    console.error(`unknown tier ${name}; known: ${Object.keys(tiers).join(", ")}`);
    process.exit(2);
  }
  const [cmd, args] = tier();
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = await runTier(cmd, args);
  passed += r.pass;
  failed += r.fail;
  console.log(`=== ${name}: ${r.code === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (r.code !== 0) {
    console.log(`\n${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(r.code);
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
