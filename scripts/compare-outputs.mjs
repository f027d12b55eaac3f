// Runs every scenario cell of every sample lesson at two commits and compares the run outputs, JSON
// for JSON: a refactor that must not change what learners see proves it with this.
// Usage: node scripts/compare-outputs.mjs <old-commit> [<new-commit>]   (new: the working tree)
// Each commit runs its own samples with its own engine, in a temporary worktree that borrows this
// checkout's node_modules. Exit code 0 when every output is the same, 1 when any differs.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

// Runs inside a checkout: every cell of every sample through that checkout's pipeline.
const RUNNER = `
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseInfo, parseNotebook } from "./src/notebook/format";
import { folderFiles } from "./src/host/node/files";
// The engine moved from src/sims to src/engine; a checkout has one or the other.
function pick(...paths: string[]) {
  for (const p of paths) {
    try {
      return require(p);
    } catch {
      /* not at this commit */
    }
  }
  throw new Error("no engine found at " + paths.join(" or "));
}
const { findSimulator } = pick("./src/engine/registry", "./src/sims/registry");
const { cellRequest, runCell } = pick("./src/engine/pipeline", "./src/sims/pipeline");
const samples = join(process.cwd(), "samples");
const out = {};
for (const file of readdirSync(samples).filter((f) => f.endsWith(".dsnb")).sort()) {
  const nb = parseNotebook(new Uint8Array(readFileSync(join(samples, file))), { isScenario: (id: string) => findSimulator(id) !== undefined });
  out[file] = nb.cells.filter((c: { kind: string }) => c.kind === "scenario").map((cell: { info?: string; value: string }) => {
    const info = parseInfo(cell.info ?? "");
    const r = runCell(cellRequest(info, cell.value, samples), undefined, folderFiles);
    return { cell: info.id ?? info.simulator, ...(r.ok ? { output: r.output } : { error: r.error.message }) };
  });
}
process.stdout.write(JSON.stringify(out));
`;

function outputsAt(commit) {
  let dir = root;
  let cleanup = () => {};
  if (commit) {
    dir = mkdtempSync(join(tmpdir(), "dsnb-compare-"));
    execFileSync("git", ["worktree", "add", "--detach", dir, commit], { cwd: root, stdio: "ignore" });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    cleanup = () => {
      execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: root, stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const script = join(dir, ".compare-runner.ts");
  try {
    writeFileSync(script, RUNNER);
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`running the samples at ${commit ?? "the working tree"} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    rmSync(script, { force: true });
    cleanup();
  }
}

/** The first path at which two JSON values differ, with both values there. */
function firstDifference(a, b, path = "") {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return { path, old: a, new: b };
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference(a[k], b[k], `${path}/${k}`);
    if (d) return d;
  }
  return { path, old: a, new: b };
}

const [oldCommit, newCommit] = process.argv.slice(2);
if (!oldCommit) {
  console.error("Usage: node scripts/compare-outputs.mjs <old-commit> [<new-commit>]");
  process.exit(2);
}
if (!existsSync(join(root, "node_modules"))) {
  console.error("Run npm install first.");
  process.exit(2);
}
const before = outputsAt(oldCommit);
const after = outputsAt(newCommit);
let same = 0;
let different = 0;
for (const file of new Set([...Object.keys(before), ...Object.keys(after)])) {
  const a = before[file] ?? [];
  const b = after[file] ?? [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = firstDifference(a[i], b[i]);
    if (!d) {
      same++;
      continue;
    }
    different++;
    const show = (v) => (JSON.stringify(v) ?? "undefined").slice(0, 300);
    console.log(`${file} cell ${i + 1} (${a[i]?.cell ?? b[i]?.cell}) differs at ${d.path}:\n  old: ${show(d.old)}\n  new: ${show(d.new)}`);
  }
}
console.log(`${same} cell outputs identical, ${different} different (${oldCommit} → ${newCommit ?? "working tree"})`);
process.exit(different ? 1 : 0);
