// Lint rules. The pure folders (scripts/layers.mjs) must stay free of `vscode`, the DOM and the disk
// so the whole engine runs in plain Node, in the CLI, in tests and in a browser. Every folder imports
// only what the layer table allows (docs/architecture.md, as data in scripts/layers.mjs), no
// simulator imports another, value imports form no cycle (scripts/check-cycles.mjs also catches
// type-only ones), and no function in src/ or webview/ runs past 80 lines.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { importX, createNodeResolver } from "eslint-plugin-import-x";
import { readdirSync, statSync } from "node:fs";
import { LAYERS, PURE } from "./scripts/layers.mjs";

const pureFolders = PURE.map((f) => `${f}/**`);
const folders = Object.keys(LAYERS);

/** One zone per folder: it may not import the folders the table does not list for it. */
const layerZones = folders
  .map((target) => ({
    target: `./${target}`,
    from: folders.filter((f) => f !== target && !LAYERS[target].includes(f) && !f.startsWith(`${target}/`) && !target.startsWith(`${f}/`)).map((f) => `./${f}`),
    message: `${target} may import only ${LAYERS[target].join(", ") || "nothing of ours"} (docs/architecture.md).`,
  }))
  .filter((z) => z.from.length > 0);

/** A simulator's folder may use src/sims/types.ts, and nothing else in src/sims but itself. */
const simulatorZones = readdirSync("src/sims")
  .filter((d) => statSync(`src/sims/${d}`).isDirectory())
  .map((d) => ({
    target: `./src/sims/${d}`,
    from: "./src/sims",
    except: [`./${d}`, "./types.ts"],
    message: "A simulator imports no other simulator; what two share goes in src/core or src/present.",
  }));

export default tseslint.config(
  { ignores: ["dist/**", "out/**", "node_modules/**", ".cache/**", "test-results/**", ".vscode-test/**", "**/*.mjs", "bin/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // VS Code integration tests: CommonJS loaded by mocha inside the extension host.
    files: ["test/vscode/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", __dirname: "readonly", Buffer: "readonly", setTimeout: "readonly", suite: "readonly", test: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["src/**/*.ts", "webview/**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json", ".css"] })] },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: [...layerZones, ...simulatorZones] }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: pureFolders,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "vscode", message: "Pure folders must not depend on the VS Code API." },
            { name: "node:fs", message: "Pure folders must not touch the disk; hosts pass file access in (src/host)." },
            { name: "fs", message: "Pure folders must not touch the disk; hosts pass file access in (src/host)." },
          ],
          patterns: [{ group: ["**/extension/**", "**/webview/**"], message: "Pure folders must not import host or browser code." }],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "document", message: "No DOM in pure folders." },
        { name: "window", message: "No DOM in pure folders." },
        { name: "navigator", message: "No DOM in pure folders." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the seeded PRNG from src/core/rng.ts." },
        { object: "Date", property: "now", message: "Use the virtual clock from src/core/clock.ts." },
      ],
    },
  },
);
