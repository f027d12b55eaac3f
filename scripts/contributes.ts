// Keeps the parts of package.json and docs/ that derive from the simulator registry in step with
// it: one cell language (and grammar) per simulator, and docs/scenarios/<id>.md from each schema.
//   npx tsx scripts/contributes.ts          rewrite them
//   npx tsx scripts/contributes.ts --check  exit 1 if anything is out of date
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { simulators, languageIdFor } from "../src/engine/registry";
import { scenarioReference } from "../src/engine/reference";

const root = join(import.meta.dirname, "..");

export function expectedContributes(): { languages: unknown[]; grammars: unknown[] } {
  return {
    languages: simulators.map((s) => ({
      id: languageIdFor(s.id),
      aliases: [`${s.title} (dsnb)`],
      configuration: "./syntaxes/scenario.language-configuration.json",
    })),
    grammars: simulators.map((s) => ({ language: languageIdFor(s.id), scopeName: "source.dsnb.scenario", path: "./syntaxes/scenario.tmLanguage.json" })),
  };
}

export function expectedDocs(): Map<string, string> {
  return new Map(simulators.map((s) => [join("docs", "scenarios", `${s.id}.md`), scenarioReference(s)]));
}

function main(): void {
  const check = process.argv.includes("--check");
  const pkgPath = join(root, "package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  const stale: string[] = [];
  const want = expectedContributes();
  for (const key of ["languages", "grammars"] as const) {
    if (JSON.stringify(pkg.contributes[key]) !== JSON.stringify(want[key])) {
      stale.push(`package.json contributes.${key}`);
      pkg.contributes[key] = want[key];
    }
  }
  if (!check && stale.length) writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + "\n");
  for (const [rel, text] of expectedDocs()) {
    const p = join(root, rel);
    if (existsSync(p) && readFileSync(p, "utf8") === text) continue;
    stale.push(rel);
    if (!check) {
      mkdirSync(join(root, "docs", "scenarios"), { recursive: true });
      writeFileSync(p, text);
    }
  }
  if (check && stale.length) {
    console.error(`Out of date (run \`npm run gen\`): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(stale.length ? `Updated: ${stale.join(", ")}` : "Everything derived from the registry is up to date.");
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
