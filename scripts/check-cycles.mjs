// Import cycles in src/ and webview/, type-only imports included (ESLint's no-cycle skips those, as
// they vanish at run time; a cycle of types still tangles the design). Lists every cycle found and
// exits with 1, or says there is none. Part of the lint tier.
// Usage: node scripts/check-cycles.mjs
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = resolve(import.meta.dirname, "..");

function sources(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function resolveImport(from, spec) {
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) if (candidate.endsWith(".ts") && existsSync(candidate)) return candidate;
  return undefined;
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan's algorithm. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const found = [];
  const visit = (v) => {
    info.set(v, { index, low: index, on: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!info.has(w)) {
        visit(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).on) info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
    }
    if (info.get(v).low === info.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).on = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) visit(v);
  return found;
}

export function importGraph(dirs = ["src", "webview"]) {
  const graph = new Map();
  for (const file of dirs.flatMap((d) => sources(join(root, d)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    graph.set(file, [...new Set(importedFiles.map((f) => resolveImport(file, f.fileName)).filter(Boolean))]);
  }
  return graph;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = cycles(importGraph());
  for (const c of found) console.error(`import cycle: ${c.map((f) => relative(root, f)).join(" ↔ ")}`);
  console.log(
    found.length
      ? `${found.length} import cycle${found.length === 1 ? "" : "s"} (type-only imports included)`
      : "no import cycles (type-only imports included)",
  );
  process.exit(found.length ? 1 : 0);
}
