// `npm run package`: build, then make dist/dsnb.vsix with @vscode/vsce, and check that it holds
// only what runs (bundles, manifest, samples, media, grammars, the findings reference), nothing from src/ or node_modules.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";

export const VSIX = join("dist", "dsnb.vsix");
const ALLOWED = [
  /^extension\/package\.json$/,
  /^extension\/(readme|README)\.md$/,
  /^extension\/(LICENSE|LICENSE\.txt)$/,
  /^extension\/(CHANGELOG|changelog)\.md$/,
  /^extension\/dist\/(extension|worker|renderer|export-page|page-controls)\.js$/,
  /^extension\/dist\/web\/(extension|worker)\.js$/,
  /^extension\/dist\/chunks\/[\w.-]+\.js$/,
  /^extension\/docs\/findings\.md$/,
  /^extension\/dist\/(web\/)?[a-z-]+\.js\.LEGAL\.txt$/,
  /^extension\/media\//,
  /^extension\/samples\/[\w.-]+\.dsnb$/,
  /^extension\/samples\/traces\/[\w.-]+\.csv$/,
  /^extension\/syntaxes\/[\w.-]+\.json$/,
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})\n${r.stdout}`);
  return r.stdout;
}

export function packageExtension() {
  run(process.execPath, ["esbuild.mjs"]);
  run(process.execPath, [
    join("node_modules", "@vscode", "vsce", "vsce"),
    "package",
    "--no-dependencies",
    "--allow-missing-repository",
    "--skip-license",
    "--no-rewrite-relative-links",
    "--out",
    VSIX,
  ]);
  const listing = run("unzip", ["-Z1", VSIX]).split("\n").filter(Boolean);
  const extra = listing.filter((f) => !f.endsWith("/") && !ALLOWED.some((re) => re.test(f)));
  if (extra.length) throw new Error(`The VSIX holds files that do not run:\n  ${extra.join("\n  ")}\nAdjust .vscodeignore.`);
  return { file: VSIX, files: listing.filter((f) => !f.endsWith("/")), kb: Math.round(statSync(VSIX).size / 1024) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { file, files, kb } = packageExtension();
  console.log(`${file}: ${kb} KB, ${files.length} files`);
  for (const f of files) console.log(`  ${f}`);
}
