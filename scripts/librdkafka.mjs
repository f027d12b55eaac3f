// librdkafka for the kafka model's differential tests: installs Debian's python3-confluent-kafka
// (which brings librdkafka1) when missing, then starts scripts/librdkafka_driver.py, which creates
// one librdkafka mock cluster (three in-process brokers on 127.0.0.1; no JVM, no broker) and runs
// producers and consumer groups against it on request. The driver speaks JSON lines on stdin and
// stdout; `request` sends one and resolves with its reply (a reply with `error` rejects). The driver
// is ended with the tests' process, also when they fail.
// Usage: node scripts/librdkafka.mjs   (starts the driver, prints the versions, stops it)
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { ensurePackages, throwawayServer } from "./tools.mjs";

// Debian's Python, whatever python3 comes first on PATH: the binding is installed for it.
const PYTHON = "/usr/bin/python3";
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "librdkafka_driver.py");

function bindingInstalled() {
  return existsSync(PYTHON) && existsSync("/usr/lib/python3/dist-packages/confluent_kafka/__init__.py");
}

/** Starts the driver; resolves once it has created its mock cluster and said which versions it runs. */
export async function startLibrdkafka() {
  if (!bindingInstalled()) ensurePackages(["python3-confluent-kafka"]);
  if (!bindingInstalled()) throw new Error("python3-confluent-kafka is not installed and could not be installed (apt-get install python3-confluent-kafka).");
  const dir = mkdtempSync(join(tmpdir(), "dsnb-librdkafka-"));
  const { track, stop } = throwawayServer(dir, "SIGKILL");
  const child = track(spawn(PYTHON, [DRIVER], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const waiting = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const w = waiting.shift();
    if (!w) return;
    let reply;
    try {
      reply = JSON.parse(line);
    } catch {
      return w.fail(new Error(`driver said ${line.slice(0, 200)}`));
    }
    if (reply.error) w.fail(new Error(`librdkafka driver: ${reply.error}`));
    else w.ok(reply);
  });
  child.on("exit", (code, signal) => {
    for (const w of waiting.splice(0)) w.fail(new Error(`librdkafka driver exited (${code ?? signal}): ${stderr}`));
  });
  const request = (message) =>
    new Promise((ok, fail) => {
      if (child.exitCode !== null || child.signalCode !== null) return fail(new Error(`librdkafka driver is not running: ${stderr}`));
      waiting.push({ ok, fail });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  /** Closing stdin ends the driver, which closes its clients; the rest is throwawayServer's. */
  const end = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin.end();
      let timer;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    await stop();
  };
  try {
    const hello = await request({ op: "hello" });
    return { ...hello, request, stop: end };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void (async () => {
    const k = await startLibrdkafka();
    console.log(`librdkafka ${k.librdkafka} (confluent-kafka ${k.binding}), mock cluster at ${k.bootstrap}`);
    await k.stop();
  })();
}
