// Bundles everything that runs: the extension and its simulation worker for the desktop (Node,
// CommonJS, `vscode` external) and for the browser (dist/web/: the web worker extension host's
// bundle and a Web Worker, no Node built-ins), the command line, and the notebook renderer (browser
// ESM, Mermaid and charts inside, nothing from a CDN). `--watch` rebuilds on change; `--meta`
// writes bundle analyses to dist/.
import * as esbuild from "esbuild";
import { writeFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";

const watch = process.argv.includes("--watch");
const meta = process.argv.includes("--meta");
const production = !watch;

// The lessons the extension ships with: its folders cannot always be listed (vscode.dev serves them over HTTP).
const sampleFiles = readdirSync("samples")
  .filter((f) => f.endsWith(".dsnb"))
  .sort();
const define = { DSNB_SAMPLE_FILES: JSON.stringify(sampleFiles) };

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    entryPoints: { extension: "src/extension/extension.ts", worker: "src/extension/worker.ts" },
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    define,
  },
  {
    // VS Code for the Web loads the extension as CommonJS in its web worker extension host. The
    // platform "browser" makes any Node built-in reaching these bundles fail the build.
    entryPoints: { "web/extension": "src/extension/browser.ts" },
    platform: "browser",
    format: "cjs",
    target: "es2022",
    external: ["vscode"],
    define,
  },
  {
    entryPoints: { "web/worker": "src/extension/web-worker.ts" },
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
  {
    entryPoints: { cli: "src/cli/main.ts" },
    platform: "node",
    format: "cjs",
    target: "node20",
    // HTML export drives a browser; playwright-core stays a package the CLI loads when asked.
    external: ["playwright-core"],
  },
  {
    // The page script of HTML exports (dsnb export --to html, and the VS Code export command).
    entryPoints: { "export-page": "webview/export.ts" },
    platform: "browser",
    format: "iife",
    target: "es2022",
    external: ["fs"],
    loader: { ".css": "text" },
  },
  {
    // The only script an exported page keeps: the diagrams' zoom controls.
    entryPoints: { "page-controls": "webview/page-controls.ts" },
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
  {
    entryPoints: { renderer: "webview/index.ts" },
    platform: "browser",
    format: "esm",
    target: "es2022",
    // Mermaid is imported when the first diagram is drawn: it and its diagram types become chunks
    // in dist/chunks/, which the webview loads from beside renderer.js.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    // Mermaid's ESM build references Node's fs in a code path the browser never takes.
    external: ["fs"],
    loader: { ".css": "text" },
  },
];

// Chunk names carry a hash: start without the previous build's, so none is left behind or packaged.
rmSync("dist/chunks", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
const common = {
  bundle: true,
  outdir: "dist",
  sourcemap: production ? false : "linked",
  minify: production,
  metafile: true,
  logLevel: "warning",
  legalComments: "linked",
};

if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b })).watch();
  console.log("esbuild: watching for changes");
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
  if (meta) results.forEach((r, i) => writeFileSync(`dist/meta-${i}.json`, JSON.stringify(r.metafile)));
}
