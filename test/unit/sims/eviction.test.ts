// Eviction policies against outside truth: libCacheSim's own miss ratios on frozen traces (recorded
// by scripts/libcachesim-oracle.ts), brute-force reference implementations written the slow and
// obvious way, and Mattson's stack algorithm for LRU at every size at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { createCache, POLICY_IDS, type PolicyId } from "../../../src/sims/eviction/policies";
import { csvTrace, type ByteSource } from "../../../src/sims/eviction/model/csv";
import { objectSize, zipfCdf, sampleCdf } from "../../../src/sims/eviction/model/workload";
import { runCell } from "../../../src/engine/pipeline";
import { folderFiles } from "../../../src/host/node/files";
import type { RunOutput, StateTable } from "../../../src/protocol/output";
import { snapshots } from "../../../src/present/timeline";
import { oracleTraces } from "../../support/eviction-traces";

const root = join(import.meta.dirname, "..", "..", "..");

function run(source: string, seed = 1, baseDir?: string): RunOutput {
  const r = runCell({ simulator: "eviction", source, seed, ...(baseDir ? { baseDir } : {}) }, undefined, folderFiles);
  if (!r.ok) throw new Error(r.error.message);
  return r.output;
}

function runError(source: string, baseDir?: string): string {
  const r = runCell({ simulator: "eviction", source, seed: 1, ...(baseDir ? { baseDir } : {}) }, undefined, folderFiles);
  assert.equal(r.ok, false, "the cell should fail");
  return r.ok ? "" : r.error.message;
}

/** Dense ids in order of first appearance, and the original id of each. */
function densify(ids: readonly number[]): { dense: number[]; orig: number[] } {
  const map = new Map<number, number>();
  const orig: number[] = [];
  const dense = ids.map((o) => {
    let d = map.get(o);
    if (d === undefined) {
      d = orig.length;
      map.set(o, d);
      orig.push(o);
    }
    return d;
  });
  return { dense, orig };
}

function replay(policy: PolicyId, capacity: number, ids: readonly number[], sizes?: readonly number[], orig?: readonly number[]): boolean[] {
  const c = createCache(policy, capacity, { seed: 7, keyOf: (d) => (orig ? orig[d]! : d) });
  return ids.map((id, i) => {
    const hit = c.get(id, sizes ? sizes[i]! : 1);
    assert.ok(c.occupied() <= capacity, `${policy} holds ${c.occupied()} > ${capacity}`);
    return hit;
  });
}

test("every miss ratio libCacheSim's cachesim printed for the frozen traces is reproduced exactly", () => {
  const doc = JSON.parse(readFileSync(join(root, "test", "oracles", "libcachesim", "results.json"), "utf8")) as {
    results: { name: string; mode: string; policy: PolicyId; size: number; missRatio: string; byteMissRatio: string }[];
  };
  const traces = new Map(oracleTraces().map((t) => [t.name, { ...t, ...densify(t.ids) }]));
  assert.equal(doc.results.length, 432);
  const policies = new Set(doc.results.map((r) => r.policy));
  assert.deepEqual([...policies].sort(), ["2q", "arc", "clock", "fifo", "lfu", "lru", "s3-fifo", "sieve", "w-tinylfu"]);
  const wrong: string[] = [];
  for (const r of doc.results) {
    const t = traces.get(r.name)!;
    const sizes = r.mode === "bytes" ? t.sizes : undefined;
    const hits = replay(r.policy, r.size, t.dense, sizes, t.orig);
    let miss = 0;
    let missBytes = 0;
    let total = 0;
    hits.forEach((h, i) => {
      const sz = sizes ? sizes[i]! : 1;
      total += sz;
      if (!h) {
        miss++;
        missBytes += sz;
      }
    });
    const mr = (miss / hits.length).toFixed(4);
    const bmr = (missBytes / total).toFixed(4);
    if (mr !== r.missRatio || bmr !== r.byteMissRatio)
      wrong.push(`${r.name} ${r.mode} ${r.policy} ${r.size}: ours ${mr}/${bmr}, libCacheSim ${r.missRatio}/${r.byteMissRatio}`);
  }
  assert.deepEqual(wrong, []);
});

// ---- brute-force references: arrays, indexOf and splice, written from the policy definitions ----

function refLRU(cap: number, ids: readonly number[], sizes: readonly number[]): boolean[] {
  let q: number[] = []; // most recent first
  const sz = new Map<number, number>();
  const used = () => q.reduce((s, x) => s + sz.get(x)!, 0);
  return ids.map((id, i) => {
    const at = q.indexOf(id);
    if (at >= 0) {
      q.splice(at, 1);
      q.unshift(id);
      return true;
    }
    if (sizes[i]! > cap) return false;
    sz.set(id, sizes[i]!);
    while (used() + sizes[i]! > cap) q = q.slice(0, -1);
    q.unshift(id);
    return false;
  });
}

function refFIFO(cap: number, ids: readonly number[], sizes: readonly number[]): boolean[] {
  const q: number[] = [];
  const sz = new Map<number, number>();
  const used = () => q.reduce((s, x) => s + sz.get(x)!, 0);
  return ids.map((id, i) => {
    if (q.includes(id)) return true;
    if (sizes[i]! > cap) return false;
    sz.set(id, sizes[i]!);
    while (used() + sizes[i]! > cap) q.shift();
    q.push(id);
    return false;
  });
}

/** CLOCK as a circular buffer with a hand and one reference bit per slot. */
function refClock(cap: number, ids: readonly number[]): boolean[] {
  const slots: { id: number; ref: boolean }[] = [];
  let hand = 0;
  return ids.map((id) => {
    const s = slots.find((x) => x.id === id);
    if (s) {
      s.ref = true;
      return true;
    }
    if (slots.length < cap) {
      // a new object enters just behind the hand: it is the last the hand will reach
      slots.splice(hand, 0, { id, ref: false });
      hand = (hand + 1) % slots.length;
      return false;
    }
    while (slots[hand]!.ref) {
      slots[hand]!.ref = false;
      hand = (hand + 1) % slots.length;
    }
    slots[hand] = { id, ref: false };
    hand = (hand + 1) % slots.length;
    return false;
  });
}

/** SIEVE from the paper's pseudocode: a queue (oldest first), a visited bit, a hand. */
function refSieve(cap: number, ids: readonly number[]): boolean[] {
  const q: { id: number; visited: boolean }[] = []; // index 0 = oldest (tail)
  let hand: number | undefined;
  return ids.map((id) => {
    const s = q.find((x) => x.id === id);
    if (s) {
      s.visited = true;
      return true;
    }
    if (q.length === cap) {
      let i = hand ?? 0;
      while (q[i]!.visited) {
        q[i]!.visited = false;
        i = i + 1 < q.length ? i + 1 : 0;
      }
      q.splice(i, 1);
      hand = i < q.length ? i : undefined;
    }
    q.push({ id, visited: false });
    return false;
  });
}

/** LFU: lowest count first; among equals, the one whose count was set earliest. */
function refLFU(cap: number, ids: readonly number[]): boolean[] {
  const entries = new Map<number, { count: number; since: number }>();
  return ids.map((id, t) => {
    const e = entries.get(id);
    if (e) {
      e.count++;
      e.since = t;
      return true;
    }
    if (entries.size === cap) {
      let victim = -1;
      let best = { count: Infinity, since: Infinity };
      for (const [k, v] of entries) if (v.count < best.count || (v.count === best.count && v.since < best.since)) [victim, best] = [k, v];
      entries.delete(victim);
    }
    entries.set(id, { count: 1, since: t });
    return false;
  });
}

const traceArb = fc.record({
  ids: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 400 }),
  cap: fc.integer({ min: 1, max: 25 }),
});

test("LRU, FIFO, CLOCK, SIEVE and LFU agree with brute-force references request by request", () => {
  fc.assert(
    fc.property(traceArb, ({ ids, cap }) => {
      const { dense } = densify(ids);
      const ones = dense.map(() => 1);
      assert.deepEqual(replay("lru", cap, dense), refLRU(cap, dense, ones));
      assert.deepEqual(replay("fifo", cap, dense), refFIFO(cap, dense, ones));
      assert.deepEqual(replay("clock", cap, dense), refClock(cap, dense));
      assert.deepEqual(replay("sieve", cap, dense), refSieve(cap, dense));
      assert.deepEqual(replay("lfu", cap, dense), refLFU(cap, dense));
    }),
    { numRuns: 300 },
  );
});

test("byte-capacity LRU and FIFO agree with the references, objects larger than the cache never enter", () => {
  fc.assert(
    fc.property(traceArb, fc.integer({ min: 1, max: 500 }), ({ ids }, cap) => {
      const { dense } = densify(ids);
      const sizes = dense.map((d) => objectSize(d, { min: 1, max: 200 }));
      assert.deepEqual(replay("lru", cap, dense, sizes), refLRU(cap, dense, sizes));
      assert.deepEqual(replay("fifo", cap, dense, sizes), refFIFO(cap, dense, sizes));
    }),
    { numRuns: 200 },
  );
});

test("LRU's hits at every size equal Mattson's stack distances computed in one pass", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 600 }), (raw) => {
      const { dense } = densify(raw);
      const stack: number[] = [];
      const hitsAtDistance = new Array<number>(64).fill(0);
      for (const id of dense) {
        const d = stack.indexOf(id);
        if (d >= 0) {
          hitsAtDistance[d]++;
          stack.splice(d, 1);
        }
        stack.unshift(id);
      }
      for (const cap of [1, 2, 3, 5, 8, 13, 21, 34, 55]) {
        const expected = hitsAtDistance.slice(0, cap).reduce((s, x) => s + x, 0);
        assert.equal(replay("lru", cap, dense).filter(Boolean).length, expected, `capacity ${cap}`);
      }
    }),
    { numRuns: 150 },
  );
});

test("every policy keeps within capacity, counts every request, and never misses less than the first requests force", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...POLICY_IDS),
      fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 500 }),
      fc.integer({ min: 1, max: 3000 }),
      fc.boolean(),
      (policy, raw, cap, bytes) => {
        const { dense } = densify(raw);
        const sizes = bytes ? dense.map((d) => objectSize(d, { min: 1, max: 300 })) : undefined;
        const hits = replay(policy, cap, dense, sizes); // asserts the capacity after every request
        const distinct = new Set(dense).size;
        assert.ok(hits.filter((h) => !h).length >= distinct);
        // the first request for each object is a miss
        const seen = new Set<number>();
        dense.forEach((id, i) => {
          if (!seen.has(id)) assert.equal(hits[i], false);
          seen.add(id);
        });
      },
    ),
    { numRuns: 300 },
  );
});

test("policies that admit every miss evict exactly the misses that no longer fit", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<PolicyId>("lru", "fifo", "clock", "sieve", "lfu", "arc", "redis-lru", "redis-lfu"),
      fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 40 }),
      (policy, raw, cap) => {
        const { dense } = densify(raw);
        const c = createCache(policy, cap, { seed: 2 });
        let misses = 0;
        for (const id of dense) if (!c.get(id, 1)) misses++;
        assert.equal(c.evictions, misses - c.occupied());
      },
    ),
    { numRuns: 200 },
  );
});

test("Redis's sampled LRU gets closer to true LRU as maxmemory-samples grows", () => {
  const cdf = zipfCdf(5000, 0.9);
  let x = 12345;
  const ids = Array.from({ length: 60_000 }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return sampleCdf(cdf, x / 4294967296);
  });
  const missRatio = (c: ReturnType<typeof createCache>) => ids.filter((id) => !c.get(id, 1)).length / ids.length;
  const lru = missRatio(createCache("lru", 500));
  const gap = (samples: number) => Math.abs(missRatio(createCache("redis-lru", 500, { samples, seed: 3 })) - lru);
  const g1 = gap(1);
  const g5 = gap(5);
  const g10 = gap(10);
  assert.ok(g1 > g5 && g5 > g10, `gaps ${g1}, ${g5}, ${g10}`);
  assert.ok(g10 < 0.01, `10 samples are within a point of LRU (gap ${g10})`);
  assert.ok(g1 > 0.03, `one sample is random eviction (gap ${g1})`);
});

test("Redis's LFU keeps a frequently used key through a scan that flushes LRU", () => {
  const hot = Array.from({ length: 20 }, (_, i) => i);
  const ids: number[] = [];
  for (let round = 0; round < 50; round++) ids.push(...hot, ...hot);
  for (let k = 0; k < 200; k++) ids.push(1000 + k); // a scan longer than the cache
  ids.push(...hot);
  const tailHits = (p: PolicyId) => replay(p, 50, densify(ids).dense).slice(-hot.length).filter(Boolean).length;
  assert.equal(tailHits("lru"), 0);
  assert.equal(tailHits("redis-lfu"), hot.length);
});

// ---- traces from CSV files ----

function bytesOf(text: string, chunk: number): ByteSource {
  const data = new TextEncoder().encode(text);
  let at = 0;
  return {
    read(buffer) {
      const n = Math.min(chunk, buffer.length, data.length - at);
      buffer.set(data.subarray(at, at + n));
      at += n;
      return n;
    },
    close() {},
  };
}

function readAll(text: string, chunk: number, format: Partial<Parameters<typeof csvTrace>[1]> = {}): { labels: string[]; sizes: number[] } {
  const src = csvTrace(bytesOf(text, chunk), { idColumn: 1, sizeColumn: 0, header: false, delimiter: ",", limit: 0, name: "t.csv", ...format });
  const ids = new Int32Array(5);
  const sizes = new Float64Array(5);
  const out = { labels: [] as string[], sizes: [] as number[] };
  for (let n = src.fill(ids, sizes); n > 0; n = src.fill(ids, sizes)) {
    for (let i = 0; i < n; i++) {
      out.labels.push(src.label(ids[i]!));
      out.sizes.push(sizes[i]!);
    }
  }
  return out;
}

test("a CSV trace reads the same whatever the chunks it arrives in", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.oneof(fc.nat(100000).map(String), fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/)), fc.integer({ min: 1, max: 9999 })), {
        minLength: 1,
        maxLength: 60,
      }),
      fc.integer({ min: 1, max: 64 }),
      fc.boolean(),
      (rows, chunk, crlf) => {
        const text = rows.map(([id, size]) => `${id},${size}`).join(crlf ? "\r\n" : "\n");
        const got = readAll(text, chunk, { sizeColumn: 2 });
        assert.deepEqual(
          got.labels,
          rows.map(([id]) => String(/^\d+$/.test(id) ? Number(id) : id)),
        );
        assert.deepEqual(
          got.sizes,
          rows.map(([, s]) => s),
        );
      },
    ),
    { numRuns: 200 },
  );
});

test("CSV traces: headers, other delimiters and columns, zero sizes skipped, errors name the line", () => {
  assert.deepEqual(readAll("time;key;bytes\n1;a;10\n2;b;0\n3;a;10\n", 4, { idColumn: 2, sizeColumn: 3, header: true, delimiter: ";" }), {
    labels: ["a", "a"],
    sizes: [10, 10],
  });
  assert.deepEqual(readAll("7\n\n8\n7", 3).labels, ["7", "8", "7"]);
  assert.deepEqual(readAll("1\n2\n3\n4\n", 3, { limit: 2 }).labels, ["1", "2"]);
  assert.throws(() => readAll("1,10\n2,ten\n", 100, { sizeColumn: 2 }), /t\.csv, line 2: the size \(column 2\) must be a whole number of bytes, got "ten"/);
  assert.throws(() => readAll("1,10\n2\n", 100, { sizeColumn: 2 }), /t\.csv, line 2: there is no column 2 for the size/);
  assert.throws(() => readAll("1\n,\n", 100), /line 2: the object id \(column 1\) is empty/);
});

test("a trace cell streams a file next to the notebook and refuses paths outside its folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-trace-"));
  try {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(String((i * 7) % 400));
    writeFileSync(join(dir, "requests.csv"), lines.join("\n") + "\n");
    const out = run("workload: trace\ntrace:\n  file: requests.csv\ncacheSizes: [50, 400]\ncompare: [lru, fifo]\n", 1, dir);
    assert.equal(out.metrics.requests, 3000);
    assert.equal(out.metrics.objects, 400);
    // a loop over 400 objects: nothing fits at 50, everything after the first pass hits at 400
    assert.equal(out.metrics["miss ratio @ lru @ 50"], 1);
    assert.equal(out.metrics["miss ratio @ lru @ 400"], 0.133333);
    // progress follows the bytes read, so a long trace shows how far it has got
    const fractions: number[] = [];
    runCell({ simulator: "eviction", source: "workload: trace\ntrace:\n  file: requests.csv\n", baseDir: dir }, (f) => fractions.push(f), folderFiles);
    assert.ok(fractions.length > 0 && fractions.at(-1) === 1, `progress ${fractions.join(", ")}`);
    assert.match(runError("workload: trace\ntrace:\n  file: ../secret.csv\n", dir), /outside the notebook's folder/);
    assert.match(runError("workload: trace\ntrace:\n  file: /etc/passwd\n", dir), /absolute path/);
    assert.match(runError("workload: trace\ntrace:\n  file: missing.csv\n", dir), /There is no file "missing.csv" next to this notebook/);
    assert.match(runError("workload: trace\ntrace:\n  file: requests.csv\n"), /no folder on disk/);
    // a host that gives the engine no file access (the default) says so
    const none = runCell({ simulator: "eviction", source: "workload: trace\ntrace:\n  file: requests.csv\n", baseDir: dir });
    assert.ok(!none.ok && /cannot read files/.test(none.error.message));
    assert.match(runError("workload: trace\n", dir), /needs a `trace:` block/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the simulator through the pipeline ----

test("the same seed replays the same run; another seed draws other requests", () => {
  const cell = "workload: zipf\nobjects: 2000\nrequests: 20000\ncacheSize: 200\ncompare: [lru, redis-lru, redis-lfu]\n";
  assert.deepEqual(run(cell, 5), run(cell, 5));
  assert.notDeepEqual(run(cell, 5).metrics, run(cell, 6).metrics);
});

test("a miss-ratio curve: one series per policy on a log axis, falling with size, and metrics per size", () => {
  const out = run("workload: zipf\nobjects: 5000\nrequests: 50000\ncacheSizes: [1000, 10, 100]\ncompare: [lru, s3-fifo, sieve]\n");
  const mrc = out.charts.find((c) => c.id === "mrc")!;
  assert.equal(mrc.x.scale, "log");
  assert.deepEqual(
    mrc.series.map((s) => s.name),
    ["lru", "s3-fifo", "sieve"],
  );
  for (const s of mrc.series) {
    assert.deepEqual(
      s.points.map((p) => p.x),
      [10, 100, 1000],
    );
    assert.ok(s.points[0]!.y > s.points[1]!.y && s.points[1]!.y > s.points[2]!.y, `${s.name} falls with size`);
    for (const p of s.points) assert.equal(p.y, out.metrics[`miss ratio @ ${s.name} @ ${p.x}`]);
  }
  assert.ok(out.metrics["miss ratio @ s3-fifo @ 100"]! < out.metrics["miss ratio @ lru @ 100"]!, "S3-FIFO beats LRU on Zipf at 2% of the objects");
  const timeline = out.charts.find((c) => c.id === "hit-ratio-over-time")!;
  assert.equal(timeline.series.length, 3);
  assert.equal(timeline.series[0]!.points.at(-1)!.x, 50000);
});

test("scans flush LRU but not the scan-resistant policies", () => {
  // A hot set of 200 that fits in 300 slots, and a scan of 1,000 new objects every 5,000 requests.
  const out = run(
    "workload: scan\nobjects: 200\nrequests: 100000\nscanLength: 1000\nscanEvery: 5000\ncacheSize: 300\ncompare: [lru, fifo, clock, s3-fifo, arc, sieve, w-tinylfu, lfu, redis-lfu]\n",
  );
  const floor = out.metrics["compulsory miss ratio"]!;
  // 19 scans, each costing nearly all 200 hot objects again (at most 3,800 extra misses)
  for (const p of ["lru", "fifo", "clock"]) {
    const extra = (out.metrics[`miss ratio @ ${p}`]! - floor) * 100000;
    assert.ok(extra > 3600 && extra <= 3800, `${p}: ${extra} misses beyond the first requests`);
  }
  for (const p of ["s3-fifo", "arc", "sieve", "w-tinylfu", "lfu", "redis-lfu"])
    assert.ok(out.metrics[`miss ratio @ ${p}`]! <= floor + 0.001, `${p} ${out.metrics[`miss ratio @ ${p}`]} vs floor ${floor}`);
});

test("the checker explains thrashing on a loop, the compulsory floor and policies too small to admit anything", () => {
  const loop = run("workload: loop\nobjects: 120\nrequests: 1200\ncacheSize: 100\ncompare: [lru, fifo, s3-fifo]\n");
  const codes = loop.verdict.findings.map((f) => `${f.code}:${f.title.split(" ")[0]}`);
  assert.ok(codes.includes("thrashing:lru") && codes.includes("thrashing:fifo") && !codes.includes("thrashing:s3-fifo"), codes.join(", "));
  assert.equal(loop.verdict.valid, true);
  const floor = loop.verdict.findings.find((f) => f.code === "compulsory-misses")!;
  assert.match(floor.title, /^120 distinct objects: no policy can miss less than 10\.00%/);
  const small = run("workload: zipf\nobjects: 100\nrequests: 1000\ncacheSize: 50\ncompare: [w-tinylfu, lru]\n");
  const f = small.verdict.findings.find((x) => x.code === "nothing-admitted")!;
  assert.match(f.title, /w-tinylfu admitted nothing at 50 objects/);
  assert.equal(small.metrics["miss ratio @ w-tinylfu"], 1);
});

test("the first requests as a sequence diagram: hits, loads and evictions, names escaped", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-trace-"));
  try {
    writeFileSync(join(dir, "t.csv"), "a\nb\na\nc<script>\nb\n");
    const out = run("workload: trace\ntrace:\n  file: t.csv\ncacheSize: 2\ndiagramRequests: 5\n", 1, dir);
    const d = out.diagrams.find((x) => x.id === "first-requests")!.mermaid;
    assert.equal((d.match(/->>p1: get /g) ?? []).length, 5);
    assert.equal((d.match(/p1-->>p0: hit/g) ?? []).length, 1);
    assert.match(d, /Note over p1: evict b/);
    // a, b, a (hit), c evicts b, b evicts a: two evictions
    assert.equal(out.metrics["evictions @ lru"], 2);
    assert.ok(!d.includes("<script>"), "names are escaped");
    assert.equal(out.metrics["miss ratio @ lru"], 0.8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("byte capacity reports byte miss ratios, and bad size ranges are refused", () => {
  const out = run(
    "workload: zipf\nobjects: 1000\nrequests: 20000\ncapacity: bytes\ncacheSize: 50000\nobjectSize: { min: 10, max: 1000 }\ncompare: [lru, sieve]\n",
  );
  assert.ok(out.metrics["byte miss ratio @ lru"]! > 0 && out.metrics["byte miss ratio @ lru"]! < 1);
  assert.match(out.tables[1]!.columns.join(","), /byte miss ratio/);
  assert.match(runError("objectSize: { min: 10, max: 5 }\n"), /min \(10\) is larger than max \(5\)/);
});

test("problems with what the options mean are found before the run and shown on the value in the cell", () => {
  assert.equal(runError("capacity: bytes\nobjectSize:\n  min: 10\n  max: 5\n"), "Line 3, column 8: objectSize: min (10) is larger than max (5).");
  assert.match(runError("cacheSize: 10\nworkload: trace\n"), /^Line 2, column 11: workload: trace needs a `trace:` block/);
});

/** Each step's tables as they stand after it (the initial tables, then every step's changes). */
function statesOf(out: RunOutput) {
  return snapshots(out.timeline!);
}

const table = (state: readonly StateTable[], prefix: string) => state.find((t) => t.name.startsWith(prefix))!;
/** The objects a cache table lists (gaps left out). */
function held(t: StateTable): string[] {
  const at = t.columns.indexOf("object");
  return t.rows.map((r) => String(r[at])).filter((x) => !x.startsWith("…"));
}

test("the first requests' timeline: one step per request, drawn on the diagram's lines, with LRU's contents after each", () => {
  const dir = mkdtempSync(join(tmpdir(), "dsnb-trace-"));
  try {
    writeFileSync(join(dir, "t.csv"), "a\nb\na\nc\nb\n");
    const out = run("workload: trace\ntrace:\n  file: t.csv\ncacheSize: 2\ndiagramRequests: 5\n", 1, dir);
    const tl = out.timeline!;
    const kinds = out.diagrams.find((d) => d.id === tl.diagramId)!.lineKinds!;
    assert.equal(tl.clock, "request");
    assert.deepEqual(
      tl.steps.map((s) => s.atMs),
      [1, 2, 3, 4, 5],
      "a step per request, numbered",
    );
    assert.deepEqual(
      tl.steps.map((s) => kinds.slice(s.lines![0], s.lines![0] + s.lines![1])),
      ["mmmm", "mmmm", "mm", "mmmnm", "mmmnm"],
      "get, load, reply; a hit is get and hit; an eviction adds its note",
    );
    assert.equal(
      tl.steps.reduce((n, s) => n + s.lines![1], 0),
      kinds.length,
      "every drawn line belongs to a step",
    );
    assert.match(tl.steps[3]!.text, /get c: miss, loaded from the database; evicts b/);
    const states = statesOf(out);
    const lru = (i: number) => held(table(states[i]!, "cache (lru)"));
    assert.deepEqual([lru(0), lru(1), lru(2), lru(3), lru(4)], [["a"], ["b", "a"], ["a", "b"], ["c", "a"], ["b", "c"]], "most recently used first");
    assert.deepEqual(table(states[4]!, "cache (lru)").rows.at(-1), ["c", "leaves next"]);
    assert.deepEqual(table(states[4]!, "requests so far").rows, [[5, 1, 4, 2]]);
    assert.deepEqual(
      table(states[4]!, "evicted").rows,
      [
        [5, "a"],
        [4, "b"],
      ],
      "latest first",
    );
    assert.ok(!tl.steps[2]!.changed?.some((t) => t.name.startsWith("evicted")), "only the tables a step changed are stored");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every policy's timeline shows what each request did: evicted ids leave the cache table, admitted ones enter it", () => {
  for (const policy of POLICY_IDS) {
    const out = run(
      `policy: ${policy}\nworkload: zipf\nobjects: 30\nzipfAlpha: 0.6\nrequests: 400\ncacheSize: ${policy === "w-tinylfu" ? 100 : 10}\ndiagramRequests: 60\n`,
      2,
    );
    const tl = out.timeline!;
    const kinds = out.diagrams.find((d) => d.id === tl.diagramId)!.lineKinds!;
    assert.equal(tl.steps.length, 60, policy);
    for (const s of tl.steps) if (s.lines) assert.ok(s.lines[0] + s.lines[1] <= kinds.length, `${policy}: step ${s.atMs} within lineKinds`);
    const states = statesOf(out);
    let hits = 0;
    const gaps = (k: number) => k >= 0 && table(states[k]!, "cache (").rows.some((r) => r.some((c) => String(c).startsWith("…")));
    tl.steps.forEach((s, i) => {
      const now = held(table(states[i]!, "cache ("));
      const before = i === 0 ? [] : held(table(states[i - 1]!, "cache ("));
      const [, label, result] = /^get (.+?): (hit|miss)/.exec(s.text)!;
      const evicted = /evicts (.+?)(;|$)/.exec(s.text)?.[1]?.split(", ") ?? [];
      if (result === "hit") hits++;
      for (const e of evicted) assert.ok(!now.includes(e), `${policy}: ${e} evicted at step ${i + 1} is gone from the cache table`);
      // A long queue shows its two ends only; the rest holds where every object is listed.
      if (!gaps(i) && !gaps(i - 1)) {
        if (result === "hit") assert.ok(before.includes(label!) && now.includes(label!), `${policy}: a hit on ${label} finds it cached (step ${i + 1})`);
        if (result === "miss" && !s.text.includes("not admitted")) assert.ok(now.includes(label!), `${policy}: ${label} admitted at step ${i + 1}`);
        const kept = before.filter((x) => !evicted.includes(x));
        assert.deepEqual(
          [...now].sort(),
          [...new Set([...kept, ...(now.includes(label!) ? [label!] : [])])].sort(),
          `${policy}: nothing else changes at step ${i + 1}`,
        );
      }
      assert.equal(table(states[i]!, "requests so far").rows[0]![1], hits);
    });
  }
});

test("a long queue is shown by its newest and oldest ends, with the gap counted, and huge runs time only the drawn requests", () => {
  const out = run("policy: fifo\nworkload: loop\nobjects: 40\nrequests: 2000000\ncacheSize: 30\ndiagramRequests: 25\n");
  const last = snapshots(out.timeline!).at(-1)!;
  const cache = table(last, "cache (fifo)");
  assert.match(cache.name, /10 per queue at most/);
  assert.deepEqual(
    cache.rows.map((r) => r[0]),
    ["obj 24", "obj 23", "obj 22", "obj 21", "obj 20", "… 15 more", "obj 4", "obj 3", "obj 2", "obj 1", "obj 0"],
  );
  assert.equal(out.timeline!.steps.length, 25);
  assert.ok(JSON.stringify(out).length < 60_000);
});

test("knobs: policy, size, workload and skew, each only where it applies", () => {
  const keys = (src: string) => (run(src).knobs ?? []).map((k) => k.key);
  assert.deepEqual(keys("policy: lru\nobjects: 100\nrequests: 1000\ncacheSize: 10\n"), ["policy", "cacheSize", "workload", "zipfAlpha"]);
  assert.deepEqual(
    keys("compare: [lru, fifo]\ncacheSizes: [10, 20]\nworkload: loop\nobjects: 100\nrequests: 1000\n"),
    ["workload"],
    "compare and cacheSizes win; a loop has no skew",
  );
  const workload = run("objects: 100\nrequests: 1000\ncacheSize: 10\n").knobs!.find((k) => k.key === "workload")!;
  assert.ok(!workload.choices!.includes("trace"), "a cell without a trace file is not offered one");
});
