// `npm test`: every tier the project has, in order, stopping at the first failing tier.
// Tiers: build, typecheck, lint, unit + property, renderer (jsdom), end-to-end (real VS Code).
// Pass tier names to run only some: `npm test -- unit renderer`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
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
  typecheck: () => ["npx", ["tsc", "-p", ".", "--noEmit"]],
  lint: () => ["npx", ["eslint", "."]],
  unit: () => nodeTests("test/unit"),
  renderer: () => nodeTests("test/renderer"),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(tiers);
for (const name of names) {
  const tier = tiers[name];
  if (!tier) { console.error(`unknown tier ${name}; known: ${Object.keys(tiers).join(", ")}`); process.exit(2); }
  const [cmd, args] = tier();
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  console.log(`=== ${name}: ${r.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
