// Outside truth: the checker against the verdicts Porcupine's tests assert for Jepsen's etcd
// histories and Knossos's key-value histories (test/oracles/porcupine/, README there). This tier
// checks every stored history, partitioned by key as Porcupine's kvModel does, and the one-client
// key-value histories unpartitioned too. Porcupine's two ten-client unpartitioned tests (about a
// minute each in Go, by its own comments) run in `npm run bench` instead, which checks them all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkLinearizable,
  parseEtcdLog,
  parseKvLog,
  registerModel,
  searchLinearization,
  shrinkWitness,
  type ParsedHistory,
} from "../../../src/core/consistency";

const dir = join(import.meta.dirname, "../../oracles/porcupine");

interface Expected {
  readonly linearizable: boolean;
  readonly test?: string;
  readonly tests?: readonly { readonly test: string; readonly partitioned: boolean }[];
}

const verdicts = (JSON.parse(readFileSync(join(dir, "verdicts.json"), "utf8")) as { histories: Record<string, Expected> }).histories;

function load(file: string): ParsedHistory {
  const text = readFileSync(join(dir, file), "utf8");
  return file.startsWith("jepsen/") ? parseEtcdLog(text) : parseKvLog(text);
}

/** Porcupine's tests that this tier runs: every one but the unpartitioned ten-client ones. */
const unitTier = Object.entries(verdicts).flatMap(([file, e]) =>
  (e.tests ?? [{ test: e.test!, partitioned: true }])
    .filter((t) => !(t.partitioned === false && file.includes("c10")))
    .map((t) => ({ file, expected: e.linearizable, ...t })),
);

test("the stored verdicts are Porcupine's: 102 etcd histories (23 linearizable) and 6 key-value histories, 10 key-value tests", () => {
  const etcd = Object.entries(verdicts).filter(([f]) => f.startsWith("jepsen/"));
  assert.equal(etcd.length, 102);
  assert.equal(etcd.filter(([, e]) => e.linearizable).length, 23);
  const kv = Object.entries(verdicts).filter(([f]) => f.startsWith("kv/"));
  assert.equal(kv.length, 6);
  assert.equal(kv.flatMap(([, e]) => e.tests!).length, 10);
  assert.equal(unitTier.length, 102 + 8);
  // every file parses completely: no line left over
  for (const file of Object.keys(verdicts)) assert.equal(load(file).skipped, 0, file);
});

test("the checker agrees with every verdict Porcupine's tests assert (unit tier: 110 of the 112 tests)", () => {
  const disagree: string[] = [];
  for (const t of unitTier) {
    const h = load(t.file);
    const res = checkLinearizable(h.operations, { initial: h.initial, partition: t.partitioned, explain: false });
    if (res.valid !== t.expected) disagree.push(`${t.test} (${t.file}): expected ${t.expected}, got ${res.valid}`);
  }
  assert.deepEqual(disagree, []);
});

test("every etcd history that is not linearizable is explained by a witness that cannot be ordered on its own", () => {
  let classic = 0;
  for (const [file, e] of Object.entries(verdicts).filter(([f, x]) => f.startsWith("jepsen/") && !x.linearizable)) {
    const h = load(file);
    const res = checkLinearizable(h.operations, { initial: h.initial });
    const f = res.findings[0]!;
    assert.equal(f.code, "not-linearizable", file);
    const ids = new Set(h.operations.map((o) => o.id));
    assert.ok(f.events!.length > 0 && f.events!.every((i) => ids.has(i)), file);
    assert.ok(!/undefined|NaN/.test(f.explanation), file);
    if (!/no order of the operations/.test(f.title)) classic++;
    const witness = shrinkWitness(h.operations, registerModel(h.initial));
    assert.equal(searchLinearization(witness, registerModel(h.initial)).valid, false, file);
    assert.equal(e.linearizable, false);
  }
  // most are a stale read or a read going back to an older value; the rest are told from the search
  assert.ok(classic >= 50, `${classic} classic explanations`);
});
