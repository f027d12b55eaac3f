// Records libCacheSim's miss ratios on the frozen traces of test/support/eviction-traces.ts, for
// the eviction tests to compare against. Needs a build of libCacheSim's cachesim (see
// docs/eviction.md); run: LIBCACHESIM=/path/to/cachesim npx tsx scripts/libcachesim-oracle.ts
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleTraces, ORACLE_BYTE_SIZES, ORACLE_OBJECT_SIZES, ORACLE_POLICIES, toCsv } from "../test/support/eviction-traces";

const bin = process.env.LIBCACHESIM;
if (!bin) {
  console.error("Set LIBCACHESIM to the path of libCacheSim's cachesim binary.");
  process.exit(2);
}
const commit = process.env.LIBCACHESIM_COMMIT ?? "unknown";
const dir = mkdtempSync(join(tmpdir(), "dsnb-lcs-"));
const params = "obj-id-col=1,obj-size-col=2,obj-id-is-num=true,has-header=false,delimiter=,";
const out: { name: string; mode: string; policy: string; size: number; missRatio: string; byteMissRatio: string }[] = [];
try {
  for (const trace of oracleTraces()) {
    const file = join(dir, `${trace.name}.csv`);
    writeFileSync(file, toCsv(trace));
    for (const [ours, theirs] of Object.entries(ORACLE_POLICIES)) {
      for (const [mode, sizes, extra] of [
        ["objects", ORACLE_OBJECT_SIZES, ["--ignore-obj-size", "1"]],
        ["bytes", ORACLE_BYTE_SIZES, []],
      ] as const) {
        const text = execFileSync(bin, [file, "csv", theirs, sizes.join(","), "-t", params, ...extra, "--num-thread", "1"], {
          cwd: dir,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
        for (const line of text.split("\n")) {
          const m = /cache size\s+(\d+), (\d+) req, miss ratio ([\d.]+), byte miss ratio ([\d.]+)/.exec(line);
          if (m) out.push({ name: trace.name, mode, policy: ours, size: Number(m[1]), missRatio: m[3]!, byteMissRatio: m[4]! });
        }
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const doc = {
  source: "libCacheSim cachesim",
  commit,
  parameters: params,
  note: "Miss ratios as cachesim prints them (4 decimals); each trace has 10,000 requests, so a miss ratio is an exact count.",
  results: out,
};
// One result per line keeps the file readable and its diffs small.
const body = JSON.stringify({ ...doc, results: [] }, null, 1).replace(
  /"results": \[\]/,
  `"results": [\n${out.map((r) => "  " + JSON.stringify(r)).join(",\n")}\n ]`,
);
writeFileSync(join(import.meta.dirname, "..", "test", "oracles", "libcachesim", "results.json"), body + "\n");
console.log(`${out.length} results recorded.`);
