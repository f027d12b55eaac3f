import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import mermaid from "mermaid";
import { loadCell, runCell } from "../../../src/engine/pipeline";
import { findSimulator } from "../../../src/engine/registry";
import { createRng } from "../../../src/core/rng";
import type { RunOutput, StateTable } from "../../../src/protocol/output";
import { snapshots } from "../../../src/present/timeline";
import { BloomFilter, bloomFalsePositiveRate } from "../../../src/sims/cache-patterns/model/bloom";
import { drawArrivals } from "../../../src/sims/cache-patterns/model/arrivals";
import { runLoad, xfetchRecompute } from "../../../src/sims/cache-patterns/model/load-run";
import { optimalHashes, parseOp, resolve, SCENARIOS, STRATEGIES, type Options, type Strategy } from "../../../src/sims/cache-patterns/scenario";
import type { ResolveContext } from "../../../src/sims/types";
import { assertGolden } from "../../support/golden";

const golden = join(import.meta.dirname, "golden", "cache-patterns");

function run(source: string, seed = 1): RunOutput {
  const r = runCell({ simulator: "cache-patterns", source, seed });
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

function fail(source: string): string {
  const r = runCell({ simulator: "cache-patterns", source, seed: 1 });
  assert.equal(r.ok, false, "expected an error");
  return (r as { error: { message: string } }).error.message;
}

const codes = (o: RunOutput) => o.verdict.findings.map((f) => f.code);
const m = (o: RunOutput, name: string) => {
  const v = o.metrics[name];
  assert.notEqual(v, undefined, `metric ${name}`);
  return v!;
};

/** Resolved options as the simulator sees them, for calling the model directly. */
function resolved(overrides: Partial<Options> & Pick<Options, "scenario">) {
  const defaults = {
    strategy: "none",
    compare: [],
    absentKeys: 50,
    absentShare: 0.5,
    servers: 1,
    cacheLatencyMs: 1,
    bucketMs: 100,
    herdLimit: 5,
    penetrationLimit: 0.1,
    flushIntervalMs: 1000,
    invalidateOnWrite: true,
    refreshAheadFactor: 0.8,
    lockTtlMs: 1000,
    retryMs: 20,
    beta: 1,
    ttlJitter: 0.5,
    negativeTtlMs: 2000,
    maxDiagramEvents: 40,
  } as const;
  const ctx: ResolveContext = {
    at: () => undefined,
    fail: (_path, message) => {
      throw new Error(message);
    },
  };
  return resolve({ ...defaults, ...overrides } as Options, ctx);
}

// ---------------------------------------------------------------- write patterns

test("write-back: a crash before the flush loses exactly the writes acknowledged since it, and the checker names them", () => {
  const o = run("scenario: write-back\nops: [write a 1, write b 2, wait 1000, write a 3, write c 4, crash, read a, read c]");
  assert.equal(o.verdict.valid, false);
  assert.deepEqual(codes(o), ["lost-writes", "stale-read", "stale-read"]);
  const lost = o.verdict.findings[0]!;
  assert.equal(lost.title, "2 acknowledged writes lost: a=3, c=4");
  assert.match(lost.explanation, /The last flush was step 4 at t=1000 ms\. The cache node crashed at step 7 \(t=1004 ms\) holding dirty entries a=3, c=4/);
  assert.match(lost.explanation, /a=3 \(step 5, acknowledged at t=1003 ms\), c=4 \(step 6, acknowledged at t=1004 ms\)/);
  assert.match(lost.explanation, /The database still has a=1, no c\./);
  assert.deepEqual(lost.events, [4, 5, 6]);
  assert.match(o.verdict.findings[1]!.title, /^Read of a at step 8 returned 1, not 3$/);
  assert.match(o.verdict.findings[2]!.title, /^Read of c at step 9 returned nothing \(not found\), not 4$/);
  assert.equal(m(o, "lostWrites"), 2);
  assert.equal(m(o, "meanWriteLatencyMs"), 1, "write-back acknowledges at cache speed");
  assert.deepEqual(o.tables[0]!.rows, [
    ["a", "1", "1", "expires at t=2015 ms"],
    ["b", "2", null, "not cached"],
    ["c", null, null, "not cached"],
  ]);
  const mm = o.diagrams[0]!.mermaid;
  assert.match(mm, /periodic flush at t=1000#58; a=1, b=2/);
  assert.match(mm, /the cache node crashes at t=1004 and restarts empty#58; dirty a=3, c=4 lost/);
  assert.match(mm, /rect rgba/);
});

test("property: write-back loses exactly the writes after the last flush, whatever the script", () => {
  const op = fc.oneof(
    fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 9 })).map(([k, v]) => `write ${k} ${v}`),
    fc.constant("flush"),
    fc.constantFrom("read a", "read b"),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      const script = [...ops, "crash", "read a", "read b", "read c"];
      const o = run(`scenario: write-back\nflushIntervalMs: 0\nops: [${script.join(", ")}]`);
      const lastFlush = ops.lastIndexOf("flush");
      const since = ops.slice(lastFlush + 1).filter((x) => x.startsWith("write"));
      assert.equal(m(o, "lostWrites"), since.length);
      assert.equal(codes(o).includes("lost-writes"), since.length > 0);
      // What the database holds is the last value of each key written before the last flush.
      const durable = new Map<string, string>();
      for (const x of ops.slice(0, Math.max(0, lastFlush))) if (x.startsWith("write")) durable.set(x.split(" ")[1]!, x.split(" ")[2]!);
      for (const row of o.tables[0]!.rows) assert.equal(row[1], durable.get(row[0] as string) ?? null, `key ${row[0]}`);
      // A key is read stale after the crash exactly when its last write was lost.
      const lastWrite = new Map<string, string>();
      for (const x of ops) if (x.startsWith("write")) lastWrite.set(x.split(" ")[1]!, x.split(" ")[2]!);
      const staleAfterCrash = ["a", "b", "c"].filter((k) => lastWrite.has(k) && durable.get(k) !== lastWrite.get(k)).length;
      // Before the crash every read hits the cache's own latest value, so these are all the stale reads.
      const staleFindings = o.verdict.findings.filter((f) => f.code === "stale-read");
      assert.equal(staleFindings.length, staleAfterCrash);
      assert.equal(m(o, "staleReads"), staleAfterCrash);
    }),
    { numRuns: 150 },
  );
});

test("write-through: the same crash loses nothing, at the price of a database round trip per write", () => {
  const o = run("scenario: write-through\nops: [write a 1, write b 2, wait 1000, write a 3, write c 4, crash, read a, read c]");
  assert.equal(o.verdict.valid, true);
  assert.deepEqual(codes(o), []);
  assert.equal(m(o, "lostWrites"), 0);
  assert.equal(m(o, "meanWriteLatencyMs"), 11);
  assert.equal(m(o, "dbWrites"), 4);
  assert.match(o.diagrams[0]!.mermaid, /write a=3\n[^\n]*committed\n[^\n]*ack at/);
});

test("write-around: with invalidation the read after a write misses and is correct; without it the old copy is served", () => {
  const inv = run("scenario: write-around\nops: [write a 1, read a, read a, write a 2, read a]");
  assert.equal(inv.verdict.valid, true);
  assert.deepEqual(codes(inv), ["read-after-write-miss", "read-after-write-miss"]);
  assert.match(inv.verdict.findings[1]!.explanation, /The write at step 4 went around the cache and deleted the cached 1, so the read at step 5 missed/);
  assert.match(inv.verdict.findings[1]!.explanation, /so the read at step 5 missed and the cache loaded 2 from the database/);
  assert.match(inv.diagrams[0]!.mermaid, /delete a\n[^\n]*removed 1/);
  const keep = run("scenario: write-around\ninvalidateOnWrite: false\nops: [write a 1, read a, read a, write a 2, read a]");
  assert.equal(keep.verdict.valid, false);
  const stale = keep.verdict.findings.find((f) => f.code === "stale-read")!;
  assert.equal(stale.title, "Read of a at step 5 returned 1, not 2");
  assert.deepEqual(stale.events, [3, 4]);
  assert.match(stale.explanation, /went to the database only and left the cached copy alone/);
  // Once the TTL runs out, the next read loads the new value.
  const later = run("scenario: write-around\ninvalidateOnWrite: false\nops: [write a 1, read a, write a 2, wait 1000, read a]");
  assert.equal(later.verdict.valid, true);
  assert.deepEqual(codes(later), ["read-after-write-miss", "expired-miss"]);
});

test("read-through: the cache loads misses itself, and an expired key is loaded again", () => {
  const o = run("scenario: read-through");
  assert.equal(o.verdict.valid, true);
  assert.equal(m(o, "hits"), 1);
  assert.equal(m(o, "misses"), 2);
  assert.deepEqual(codes(o), ["expired-miss"]);
  assert.match(o.diagrams[0]!.mermaid, /miss#58; load a/);
  // Writes go to the database only, so read-through alone serves the old copy after one.
  const w = run("scenario: read-through\nops: [write a 1, read a, write a 2, read a]");
  assert.deepEqual(codes(w), ["stale-read"]);
});

test("refresh-ahead: a read past the refresh point reloads in the background, so reads keep hitting after the old expiry", () => {
  const o = run("scenario: refresh-ahead\nops: [write a 1, read a, wait 850, read a, wait 300, read a]");
  assert.equal(o.verdict.valid, true);
  assert.equal(m(o, "refreshes"), 1);
  assert.equal(m(o, "hits"), 2);
  assert.equal(m(o, "misses"), 1);
  const f = o.verdict.findings.find((x) => x.code === "refreshed-ahead")!;
  assert.match(f.explanation, /moving the expiry from t=1021 ms to t=1881\.5 ms\. The read at step 7 \(t=1172 ms\) came after the old expiry and still hit\./);
  // Without a read inside the refresh window the key expires and the next read misses.
  const gap = run("scenario: refresh-ahead\nops: [write a 1, read a, wait 1100, read a]");
  assert.equal(m(gap, "refreshes"), 0);
  assert.equal(m(gap, "misses"), 2);
  assert.deepEqual(codes(gap), ["expired-miss"]);
});

test("bad input is an error that says what to write", () => {
  assert.match(fail("scenario: write-back\nops: [write a]"), /^Line 2, column 7: "write a" is not an operation\. Write `read KEY`/);
  // Keys that do not fit the scenario are refused on their value, in the editor as in a run.
  const misplaced = /^Line 2, column 11: strategy and compare apply to the stampede, penetration and avalanche scenarios/;
  assert.match(fail("scenario: write-back\nstrategy: single-flight"), misplaced);
  assert.match(fail("scenario: write-back\ncompare: [lock, xfetch]"), /^Line 2, column 10: strategy and compare apply/);
  assert.match(fail("scenario: stampede\nops: [read a]"), /^Line 2, column 6: ops apply to the write patterns/);
  const shown = loadCell(findSimulator("cache-patterns")!, "scenario: read-through\nstrategy: lock\n").diagnostics;
  assert.deepEqual(
    shown.map((d) => [d.code, d.range]),
    [["invalid", { start: 33, end: 37 }]],
  );
  assert.match(fail("scenario: stampeed"), /Did you mean "stampede"\?/);
  assert.match(fail('scenario: write-back\nops: ["read <img>"]'), /is not an operation/);
  assert.deepEqual(parseOp("  write   a   7 "), { op: "write", key: "a", value: "7" });
  assert.equal(typeof parseOp("read a; DROP"), "string");
});

// ---------------------------------------------------------------- stampede

test("stampede without protection: the hot key's expiry sends a herd to the database and overloads it", () => {
  const o = run("scenario: stampede");
  assert.equal(o.verdict.valid, false);
  assert.deepEqual([...new Set(codes(o))].sort(), ["db-overload", "stampede"]);
  assert.ok(m(o, "largestHerd") > 40, `herd ${m(o, "largestHerd")}`);
  assert.ok(m(o, "peakDbLoad") > 2 * m(o, "dbCapacity"));
  const herd = o.verdict.findings.find((f) => f.code === "stampede")!;
  assert.ok(herd.events!.length > 5, "the herd's queries are highlighted in the diagram");
  assert.match(o.diagrams[0]!.mermaid, /query hot at t=/);
  assert.equal(o.charts[0]!.kind, "line");
  assert.deepEqual(
    o.charts[0]!.series.map((s) => s.name),
    ["none", "capacity"],
  );
});

test("single-flight with one server: exactly one database query per expiry, however many clients miss", () => {
  for (let seed = 1; seed <= 10; seed++) {
    const o = run("scenario: stampede\nstrategy: single-flight\nrps: 3000", seed);
    assert.equal(m(o, "largestHerd"), 1, `seed ${seed}`);
    assert.equal(m(o, "dbQueries"), m(o, "herds"), "one query per reload episode");
    assert.ok(m(o, "misses") > 10 * m(o, "dbQueries"), "many clients missed and shared each load");
    assert.equal(o.verdict.valid, true);
  }
  const r = resolved({ scenario: "stampede", strategy: "single-flight", rps: 3000 });
  const run1 = runLoad(r, "single-flight", drawArrivals(r, createRng(3)), createRng(4));
  // The expiries happen at t=1000 and every TTL after each reload: one query each.
  assert.equal(run1.dbQueries, run1.herds);
  assert.ok(run1.dbQueries >= 3 && run1.dbQueries <= 4);
});

test("single-flight coalesces within a server only: up to one query per server per expiry", () => {
  for (const servers of [2, 4, 8]) {
    const o = run(`scenario: stampede\nstrategy: single-flight\nservers: ${servers}`, 5);
    assert.ok(m(o, "largestHerd") <= servers, `${servers} servers: herd ${m(o, "largestHerd")}`);
    assert.ok(m(o, "largestHerd") >= 2);
  }
});

test("locks: one client reloads; the others retry or are served the stale copy", () => {
  const o = run("scenario: stampede\ncompare: [lock, lock-stale]", 2);
  const rows = Object.fromEntries(o.tables[0]!.rows.map((r) => [r[0], r]));
  assert.equal(m(o, "lock.largestHerd"), 1);
  assert.equal(m(o, "lock-stale.largestHerd"), 1);
  assert.ok(m(o, "lock.p99LatencyMs") >= 20, "waiters pay at least one retry");
  assert.ok(m(o, "lock-stale.p99LatencyMs") <= 3, "stale copies come at cache speed");
  assert.ok((rows["lock-stale"]![6] as number) > 0, "stale copies served");
  assert.ok(o.verdict.findings.some((f) => f.code === "served-stale"));
  assert.equal(o.verdict.valid, true);
});

test("XFetch: the early-recompute test fires with probability exp(-gap / (delta x beta))", () => {
  const rng = createRng(11);
  for (const [gap, delta, beta] of [
    [0, 50, 1],
    [50, 50, 1],
    [100, 50, 1],
    [100, 50, 2],
    [30, 10, 1],
  ] as const) {
    const n = 40_000;
    let fired = 0;
    for (let i = 0; i < n; i++) if (xfetchRecompute(1000 - gap, delta, beta, 1000, 1 - rng.float())) fired++;
    const p = Math.exp(-gap / (delta * beta));
    assert.ok(Math.abs(fired / n - p) < 4 * Math.sqrt((p * (1 - p)) / n) + 1e-9, `gap ${gap}: ${fired / n} vs ${p}`);
  }
  assert.equal(xfetchRecompute(1000, 50, 1, 1000, 1), true, "at the expiry it always recomputes");
  assert.equal(xfetchRecompute(0, 50, 1, 1000, 0.5), false);
});

test("XFetch under load: nobody ever finds the key expired, and a few early recomputes replace the herd", () => {
  let episodes = 0;
  let queries = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const o = run("scenario: stampede\ncompare: [none, xfetch]", seed);
    assert.equal(m(o, "xfetch.p99LatencyMs"), 1, `seed ${seed}: every request a hit`);
    assert.ok(m(o, "xfetch.dbQueries") * 4 < m(o, "none.dbQueries"));
    assert.ok(m(o, "xfetch.peakDbLoad") <= 200, `seed ${seed}`);
    const r = resolved({ scenario: "stampede" });
    const x = runLoad(r, "xfetch", drawArrivals(r, createRng(seed)), createRng(seed + 100));
    assert.equal(x.misses, 0);
    assert.equal(x.earlyRecomputes, x.dbQueries);
    episodes += x.herds;
    queries += x.dbQueries;
  }
  // With rate x delta = 50 requests per recompute time, theory expects about 1 + (e - 1) = 2.7
  // recomputes per expiry: the one that fires first and those drawn while it runs.
  assert.ok(queries / episodes > 1.5 && queries / episodes < 4.5, `${queries / episodes} per episode`);
});

test("jitter cannot help a single hot key: the herd just moves", () => {
  const o = run("scenario: stampede\ncompare: [none, jitter]", 3);
  assert.ok(m(o, "jitter.largestHerd") > 5);
  const herd = o.verdict.findings.find((f) => f.code === "stampede" && f.title.startsWith("jitter: "));
  assert.match(herd!.explanation, /cannot stop the herd on a single hot key/);
});

test("a comparison draws one line per strategy plus the capacity, on the same requests", () => {
  const o = run("scenario: stampede\ncompare: [none, single-flight, lock, lock-stale, xfetch, jitter]", 1);
  assert.deepEqual(
    o.charts[0]!.series.map((s) => s.name),
    ["none", "single-flight", "lock", "lock-stale", "xfetch", "jitter", "capacity"],
  );
  const requests = new Set(o.tables[0]!.rows.map((r) => r[1]));
  assert.equal(requests.size, 1, "same arrivals for every strategy");
  const noneLine = o.charts[0]!.series[0]!.points;
  const peak = Math.max(...noneLine.map((p) => p.y));
  assert.equal(peak, m(o, "none.peakDbLoad"));
  assert.ok((noneLine.find((p) => p.y === peak)!.x as number) >= 1, "the spike comes at an expiry, not before the first one");
});

// ---------------------------------------------------------------- penetration

test("Bloom filter: never a false negative", () => {
  const keySets = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 300 });
  fc.assert(
    fc.property(keySets, fc.integer({ min: 8, max: 4000 }), fc.integer({ min: 1, max: 12 }), (keys, m, k) => {
      const f = new BloomFilter(m, k);
      for (const key of keys) f.add(key);
      for (const key of keys) assert.equal(f.mightContain(key), true, key);
      assert.equal(f.size, keys.length);
    }),
    { numRuns: 200 },
  );
});

test("Bloom filter: the measured false positive rate is near (1 - e^(-kn/m))^k", () => {
  for (const [bitsPerKey, k] of [
    [5, 3],
    [8, 6],
    [10, 7],
    [10, 3],
    [16, 11],
    [20, 14],
  ] as const) {
    const n = 5000;
    const f = new BloomFilter(bitsPerKey * n, k);
    for (let i = 0; i < n; i++) f.add(`id-${i}`);
    const probes = 200_000;
    let fp = 0;
    for (let i = 0; i < probes; i++) if (f.mightContain(`other-${i}`)) fp++;
    const theory = bloomFalsePositiveRate(f.m, k, n);
    const measured = fp / probes;
    // The estimate's standard deviation is sqrt(p/probes); the filter's own fill varies a little too.
    assert.ok(Math.abs(measured - theory) < 0.15 * theory + 4 * Math.sqrt(theory / probes), `m/n=${bitsPerKey} k=${k}: ${measured} vs ${theory}`);
    assert.ok(Math.abs(f.fill() - (1 - Math.exp((-k * n) / f.m))) < 0.01);
  }
  assert.equal(optimalHashes(10_000, 1000), 7);
});

test("penetration: missing ids go through to the database every time without protection", () => {
  const o = run("scenario: penetration");
  assert.equal(o.verdict.valid, false);
  assert.ok(codes(o).includes("penetration"));
  assert.ok(codes(o).includes("db-overload"));
  assert.equal(m(o, "absentDbQueries"), m(o, "absentRequests"));
  assert.ok(m(o, "absentRequests") > 4500 && m(o, "absentRequests") < 5500);
});

test("negative caching: each missing id reaches the database at most once per negative TTL (plus lookups already in flight)", () => {
  for (let seed = 1; seed <= 8; seed++) {
    for (const [negativeTtlMs, absentKeys] of [
      [2000, 50],
      [500, 20],
      [3000, 200],
    ] as const) {
      const o = run(`scenario: penetration\nstrategy: negative-cache\nnegativeTtlMs: ${negativeTtlMs}\nabsentKeys: ${absentKeys}`, seed);
      const rounds = Math.ceil(10_000 / negativeTtlMs);
      assert.ok(m(o, "maxAbsentRounds") <= rounds, `seed ${seed}: ${m(o, "maxAbsentRounds")} rounds > ${rounds}`);
      assert.ok(m(o, "absentRounds") <= absentKeys * rounds, `seed ${seed}: ${m(o, "absentRounds")} > ${absentKeys} x ${rounds}`);
      // The rest are requests that missed while the id's lookup was still in flight: a negative
      // cache has nothing to answer with until the first lookup returns.
      assert.ok(m(o, "absentDbQueries") >= m(o, "absentRounds"));
    }
  }
  // Pinned: 50 ids x 5 rounds, and 118 more queries that missed while their id's lookup was in flight.
  const pinned = run("scenario: penetration\nstrategy: negative-cache\nnegativeTtlMs: 2000\nabsentKeys: 50", 1);
  assert.equal(m(pinned, "absentDbQueries"), 368);
  assert.equal(m(pinned, "absentRounds"), 250);
  // At a trickle (2 requests a second per id, 1 ms lookups) the bound holds for the queries themselves.
  for (let seed = 1; seed <= 8; seed++) {
    const o = run("scenario: penetration\nstrategy: negative-cache\nrps: 40\nnegativeTtlMs: 1000\nabsentKeys: 10\ndbLatencyMs: 1", seed);
    assert.ok(m(o, "absentDbQueries") <= 10 * 10, `seed ${seed}`);
    assert.ok(m(o, "absentDbQueries") - m(o, "absentRounds") <= 2, `seed ${seed}: overlaps are rare at this rate`);
  }
  const o = run("scenario: penetration\nstrategy: negative-cache");
  assert.equal(o.verdict.valid, true);
  assert.ok(m(o, "absentDbQueries") < 0.1 * m(o, "absentRequests"));
});

test("random missing ids defeat negative caching; the Bloom filter stops them, and its figures match theory", () => {
  const o = run("scenario: penetration\nabsentKeys: 1000000\ncompare: [none, negative-cache, bloom-filter]", 4);
  assert.ok(o.verdict.findings.some((f) => f.code === "penetration" && f.title.startsWith("negative-cache: ")));
  assert.ok(!o.verdict.findings.some((f) => f.severity === "error" && f.title.startsWith("bloom-filter: ")));
  assert.ok(m(o, "negative-cache.absentDbQueries") > 0.95 * m(o, "none.absentDbQueries"));
  const bloomRow = o.tables[0]!.rows.find((r) => r[0] === "bloom-filter")!;
  const [absentRequests, reaching, filtered] = [bloomRow[7], bloomRow[8], bloomRow[9]] as number[];
  assert.equal(reaching! + filtered!, absentRequests, "each missing id is either stopped or a false positive");
  assert.ok(reaching! / absentRequests! < 0.02);
  const b = o.tables[1]!;
  assert.deepEqual(b.columns.slice(0, 3), ["bits (m)", "hashes (k)", "ids (n)"]);
  assert.deepEqual(b.rows[0]!.slice(0, 3), [10_000, 7, 1000]);
  assert.equal(b.rows[0]![7], 0, "no false negatives");
  const f = o.verdict.findings.find((x) => x.code === "bloom-filter")!;
  assert.match(f.title, /Bloom filter: 0\.\d% false positives measured, 0\.8% in theory/);
});

// ---------------------------------------------------------------- avalanche

test("avalanche: keys loaded together expire together; jitter and a staggered warm-up spread the reloads", () => {
  for (let seed = 1; seed <= 5; seed++) {
    const o = run("scenario: avalanche\ncompare: [none, jitter, staggered-warmup, refresh-ahead]", seed);
    assert.equal(m(o, "none.avalancheKeys"), 1000, "every key expired in the same bucket");
    assert.ok(o.verdict.findings.some((f) => f.code === "avalanche" && f.title.startsWith("none: ")));
    for (const fix of ["jitter", "staggered-warmup"]) {
      assert.ok(m(o, `${fix}.peakDbLoad`) < m(o, "none.peakDbLoad") / 2, `seed ${seed} ${fix}`);
      assert.ok(m(o, `${fix}.peakDbLoad`) <= 1000);
      assert.ok(!o.verdict.findings.some((f) => f.severity === "error" && f.title.startsWith(`${fix}: `)), `seed ${seed} ${fix}: ${o.verdict.summary}`);
    }
    // Refresh-ahead keeps serving hits, but the refreshes of keys loaded together come together.
    assert.ok(m(o, "refresh-ahead.peakDbLoad") > 1000);
    assert.ok(m(o, "refresh-ahead.p99LatencyMs") < m(o, "none.p99LatencyMs"));
  }
});

test("keys that expire together but are asked for rarely reload one by one: no avalanche", () => {
  const o = run("scenario: avalanche\nrps: 100\ndurationMs: 30000");
  assert.ok(m(o, "avalancheKeys") > 100, "most keys still expire in one bucket");
  assert.ok(m(o, "reloadPeak") <= 100, `reload peak ${m(o, "reloadPeak")}`);
  assert.equal(o.verdict.valid, true);
  assert.ok(!codes(o).includes("avalanche"));
  // At 2000 requests a second the same expiry brings the reloads in together.
  const busy = run("scenario: avalanche");
  assert.ok(m(busy, "reloadPeak") > 100);
  assert.ok(codes(busy).includes("avalanche"));
});

test("the spike lines up with the expiry: in the none run the peak bucket starts at the TTL", () => {
  const o = run("scenario: avalanche\nttlMs: 3000\ndurationMs: 6000", 2);
  const f = o.verdict.findings.find((x) => x.code === "db-overload")!;
  assert.match(f.explanation, /^Between t=3000 ms and t=3100 ms/);
  const a = o.verdict.findings.find((x) => x.code === "avalanche")!;
  const n = Number(a.explanation.match(/^(\d+) entries expired between t=3000 ms and t=3100 ms, all loaded together with the same TTL/)![1]);
  // Each key gets about 2 requests a second, so nearly all 1000 are asked for within the 3 s left.
  assert.ok(n >= 990 && n <= 1000, `${n}`);
  assert.ok(a.events!.length > 0);
});

// ---------------------------------------------------------------- invariants and determinism

test("property: invariants of every load run, over random seeds and strategies", () => {
  const strategies = STRATEGIES.map((s) => s.value);
  const scenarios = fc.constantFrom("stampede", "penetration", "avalanche") as fc.Arbitrary<"stampede" | "penetration" | "avalanche">;
  const seeds = fc.integer({ min: 0, max: 0xffffffff });
  fc.assert(
    fc.property(seeds, scenarios, fc.constantFrom(...strategies), fc.integer({ min: 1, max: 4 }), (seed, scenario, strategy: Strategy, servers) => {
      const r = resolved({ scenario, durationMs: 3000, rps: 500, keys: scenario === "stampede" ? 2 : 200, ttlMs: 800, servers });
      const arrivals = drawArrivals(r, createRng(seed));
      const x = runLoad(r, strategy, arrivals, createRng(seed ^ 0x5bd1e995), 0);
      assert.equal(
        x.loadPerBucket.reduce((s, n) => s + n, 0),
        x.dbQueries,
      );
      assert.ok(x.p50LatencyMs <= x.p99LatencyMs && x.p99LatencyMs <= x.maxLatencyMs);
      assert.ok(x.peakDbLoad === (Math.max(0, ...x.loadPerBucket) * 1000) / r.bucketMs);
      if (strategy === "single-flight") assert.ok((x.largestHerd?.size ?? 0) <= servers);
      if (strategy === "lock" || strategy === "lock-stale") assert.ok((x.largestHerd?.size ?? 0) <= 1);
      if (strategy !== "bloom-filter") assert.equal(x.filtered, 0);
      if (scenario !== "penetration") assert.equal(x.absentRequests, 0);
      assert.ok(x.absentDbQueries <= x.absentRequests || strategy === "lock" || strategy === "lock-stale");
      // The trace is numbered in order and never longer than its cap.
      x.trace.forEach((e, i) => assert.equal(e.seq, i));
      assert.ok(x.trace.length <= 400);
      assert.equal(x.trace.length + x.traceDropped <= x.totalEvents, true);
    }),
    { numRuns: 60 },
  );
});

test("property: the same scenario and seed give byte-identical output", () => {
  const sources = [
    "scenario: write-back",
    "scenario: refresh-ahead",
    "scenario: stampede\ncompare: [none, xfetch, jitter]\ndurationMs: 2500",
    "scenario: penetration\ncompare: [negative-cache, bloom-filter]\ndurationMs: 2000",
    "scenario: avalanche\nstrategy: jitter\nkeys: 200\ndurationMs: 4000\nttlMs: 1000",
  ];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...sources), (seed, src) => {
      const a = run(src, seed);
      assert.equal(JSON.stringify(a), JSON.stringify(run(src, seed)));
      assert.equal(a.seed, seed);
    }),
    { numRuns: 30 },
  );
  assert.notEqual(JSON.stringify(run(sources[2]!, 1).metrics), JSON.stringify(run(sources[2]!, 2).metrics), "another seed, other arrivals");
});

test("diagrams are capped with the rest counted, and every scenario's diagram parses with Mermaid", async () => {
  const capped = run("scenario: stampede\nmaxDiagramEvents: 10");
  assert.ok(capped.diagrams[0]!.omittedEvents! > 1000);
  assert.match(capped.diagrams[0]!.mermaid, new RegExp(`Note over p0,p2: wrap:${capped.diagrams[0]!.omittedEvents} more events not shown\\n$`));
  const small = run("scenario: write-back\nmaxDiagramEvents: 5");
  assert.equal(small.diagrams[0]!.omittedEvents, 4);
  assert.equal(run("scenario: write-back").diagrams[0]!.omittedEvents, undefined);
  for (const sc of SCENARIOS.map((s) => s.value)) {
    const load = ["stampede", "penetration", "avalanche"].includes(sc) ? "\ndurationMs: 6000\ncompare: [none, lock-stale, bloom-filter]" : "";
    const o = run(`scenario: ${sc}${load}`);
    await mermaid.parse(o.diagrams[0]!.mermaid);
  }
});

test("golden diagrams", () => {
  const cases: [string, string][] = [
    ["write-back", "scenario: write-back"],
    ["write-around-stale", "scenario: write-around\ninvalidateOnWrite: false"],
    ["refresh-ahead", "scenario: refresh-ahead"],
    ["stampede-lock", "scenario: stampede\nstrategy: lock\nmaxDiagramEvents: 30"],
  ];
  mkdirSync(golden, { recursive: true });
  for (const [name, src] of cases) {
    const text = run(src, 3).diagrams[0]!.mermaid;
    const file = join(golden, `${name}.mmd`);
    assertGolden(file, text);
  }
});

// ---------------------------------------------------------------- timelines and knobs

/** The drawn kinds of each step's lines, and every actor's tables after each step. */
function stepped(o: RunOutput) {
  const tl = o.timeline!;
  const kinds = o.diagrams.find((d) => d.id === tl.diagramId)!.lineKinds!;
  return { tl, kinds, drawn: tl.steps.map((st) => (st.lines ? kinds.slice(st.lines[0], st.lines[0] + st.lines[1]) : "")), states: snapshots(tl) };
}
const rowsOf = (state: readonly StateTable[], prefix: string) => state.find((x) => x.name.startsWith(prefix))!.rows;

test("a pattern's timeline: a step per event with its lines, the cache, database, acknowledged writes and dirty queue after each, the lost writes blamed", () => {
  const o = run("scenario: write-back\nops: [write a 1, write b 2, wait 1000, write a 3, write c 4, crash, read a, read c]\n");
  const { tl, kinds, drawn, states } = stepped(o);
  assert.equal(tl.steps.length, 9, "one step per event");
  assert.equal("n" + drawn.join(""), kinds, "after the caption, every drawn line is a step's, in order");
  assert.deepEqual(
    tl.steps.map((st) => st.seq),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.deepEqual(
    tl.steps.map((st) => st.atMs),
    [0, 1, 2, 1000, 1002, 1003, 1004, 1004, 1015],
  );
  assert.deepEqual(rowsOf(states[1]!, "cache"), [
    ["a", "1", "never while dirty", "yes: not in the database"],
    ["b", "2", "never while dirty", "yes: not in the database"],
  ]);
  assert.deepEqual(rowsOf(states[1]!, "database"), [], "write-back: nothing in the database yet");
  assert.deepEqual(rowsOf(states[2]!, "write-back: the next periodic flush"), [[1000]]);
  assert.deepEqual(
    rowsOf(states[3]!, "database"),
    [
      ["a", "1"],
      ["b", "2"],
    ],
    "the periodic flush writes them",
  );
  assert.deepEqual(rowsOf(states[3]!, "write-back: dirty"), []);
  assert.deepEqual(rowsOf(states[5]!, "write-back: dirty"), [
    [5, "a", "3"],
    [6, "c", "4"],
  ]);
  assert.deepEqual(rowsOf(states[6]!, "cache"), [], "the crash empties the cache");
  assert.deepEqual(
    rowsOf(states[6]!, "acknowledged to the client"),
    [
      ["a", "3"],
      ["b", "2"],
      ["c", "4"],
    ],
    "what the client was promised",
  );
  assert.deepEqual(
    rowsOf(states[6]!, "database"),
    [
      ["a", "1"],
      ["b", "2"],
    ],
    "and what survives",
  );
  assert.deepEqual(rowsOf(states[7]!, "cache"), [["a", "1", 2015, "no"]], "the read loads the old value");
  const blamed = (code: string) => tl.steps.filter((st) => st.blame?.includes(code)).map((st) => st.seq);
  const events = (code: string) => [...new Set(o.verdict.findings.filter((f) => f.code === code).flatMap((f) => f.events ?? []))].sort((a, b) => a - b);
  assert.deepEqual(blamed("lost-writes"), events("lost-writes"));
  assert.deepEqual(blamed("lost-writes"), [4, 5, 6]);
  assert.deepEqual(blamed("stale-read"), events("stale-read"));
});

test("pattern timelines: write-around deletes the copy, refresh-ahead shows its reload in flight, expiries leave the cache", () => {
  const around = stepped(run("scenario: write-around\nops: [write a 1, read a, read a, write a 2, read a]\n"));
  assert.deepEqual(
    rowsOf(around.states[2]!, "cache").map((r) => r.slice(0, 2)),
    [["a", "1"]],
  );
  assert.match(around.tl.steps[3]!.text, /write a=2: to the database only, cached 1 deleted/);
  assert.deepEqual(rowsOf(around.states[3]!, "cache"), [], "the write deletes the cached copy");
  const ahead = stepped(run("scenario: refresh-ahead\nops: [write a 1, read a, wait 850, read a, wait 300, read a]\n"));
  assert.deepEqual(rowsOf(ahead.states[3]!, "reloads in flight"), [["a", 871, 881.5]]);
  assert.deepEqual(rowsOf(ahead.states[5]!, "reloads in flight"), []);
  assert.deepEqual(rowsOf(ahead.states[5]!, "cache"), [["a", "1", 1881.5, "no"]], "the reload moves the expiry");
  assert.ok(ahead.tl.steps.filter((st) => st.blame).every((st) => st.blame!.includes("refreshed-ahead")));
  const through = stepped(run("scenario: read-through\nops: [write a 1, read a, read a, wait 1000, read a]\n"));
  const expiry = through.tl.steps.findIndex((st) => /expires/.test(st.text));
  assert.ok(expiry > 0);
  assert.deepEqual(rowsOf(through.states[expiry]!, "cache"), [], "an expiry removes the entry");
  assert.deepEqual(through.tl.steps[expiry]!.blame, ["expired-miss"]);
});

test("a load scenario's timeline covers the drawn window only: locks held, clients waiting, the database queue", () => {
  const o = run("scenario: stampede\nstrategy: lock\nmaxDiagramEvents: 40\n");
  const { tl, kinds, drawn, states } = stepped(o);
  assert.equal(tl.steps.length, 40, "the diagram's 40 events, not the run's thousands");
  assert.ok(o.diagrams[0]!.omittedEvents! > 1000);
  assert.equal(drawn.join(""), kinds.slice(1, 1 + drawn.join("").length), "after the caption, the steps' lines in order");
  const acquired = tl.steps.findIndex((st) => /SET lock:hot NX → OK/.test(st.text));
  const holder = /^(c[0-9]+)/.exec(tl.steps[acquired]!.text)![1];
  assert.deepEqual(
    rowsOf(states[acquired]!, "locks held").map((r) => r.slice(0, 2)),
    [["hot", holder]],
  );
  const refused = tl.steps.findIndex((st) => /taken: sleep and retry/.test(st.text));
  const waiter = /^(c[0-9]+)/.exec(tl.steps[refused]!.text)![1];
  assert.ok(rowsOf(states[refused]!, "clients waiting").some((r) => r[0] === waiter));
  const query = tl.steps.findIndex((st) => st.actor === "database");
  assert.deepEqual(rowsOf(states[query]!, "database queue")[0]!.slice(0, 2), [holder, "hot"]);
  assert.equal(rowsOf(states[query]!, "database")[0]![0], 1, "one query in flight");
  const set = tl.steps.findIndex((st) => /^set hot/.test(st.text));
  if (set >= 0) assert.deepEqual(rowsOf(states[set]!, "locks held"), [], "storing the value releases the lock");
  assert.ok(JSON.stringify(o).length < 1_000_000);
});

test("a herd's queries are blamed steps, and the actor filter has three actors, not one per client", () => {
  const o = run("scenario: stampede\n");
  const { tl, states } = stepped(o);
  assert.deepEqual([...new Set(tl.steps.map((st) => st.actor))].sort(), ["cache", "clients", "database"]);
  const blamed = tl.steps.filter((st) => st.blame?.includes("stampede"));
  assert.ok(blamed.length > 5 && blamed.every((st) => st.actor === "database"));
  const drawnSeqs = new Set(tl.steps.map((st) => st.seq));
  const named = o.verdict.findings.find((f) => f.code === "stampede")!.events!.filter((e) => drawnSeqs.has(e));
  assert.deepEqual(
    blamed.map((st) => st.seq),
    named,
    "every drawn event the finding names is blamed",
  );
  const last = states.at(-1)!;
  assert.ok((rowsOf(last, "database")[0]![0] as number) > 5, "the herd's queries are in flight together");
  assert.ok(rowsOf(last, "database queue").length <= 8);
});

test("knobs: the scenario among those the cell fits, the strategy, the TTL, and each option where its pattern or strategy runs", () => {
  const knobs = (src: string) => Object.fromEntries((run(src).knobs ?? []).map((k) => [k.key, k.choices ?? k.value]));
  assert.deepEqual(knobs("scenario: write-back\nops: [write a 1, crash]\n"), {
    scenario: ["write-back", "write-through", "write-around", "read-through", "refresh-ahead"],
    flushIntervalMs: 1000,
  });
  assert.deepEqual(Object.keys(knobs("scenario: write-around\nttlMs: 500\n")), ["scenario", "ttlMs", "invalidateOnWrite"]);
  assert.deepEqual(knobs("scenario: stampede\ncompare: [none, xfetch]\n"), { scenario: ["stampede", "penetration", "avalanche"], beta: 1 });
  assert.deepEqual(Object.keys(knobs("scenario: stampede\nstrategy: single-flight\n")), ["scenario", "strategy", "servers"]);
  for (const sc of ["write-back", "write-through", "write-around", "read-through", "refresh-ahead"]) run(`scenario: ${sc}\nops: [write a 1, crash]\n`);
});
