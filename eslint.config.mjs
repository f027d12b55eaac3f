// Lint rules. The pure folders (core, notebook, scenario, sims, present, protocol) must stay free of
// `vscode` and of the DOM so the whole engine runs in plain Node, in the CLI and in tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const pureFolders = ["src/core/**", "src/notebook/**", "src/scenario/**", "src/sims/**", "src/present/**", "src/protocol/**"];

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
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly", Buffer: "readonly", setTimeout: "readonly", suite: "readonly", test: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: pureFolders,
    rules: {
      "no-restricted-imports": ["error", {
        paths: [
          { name: "vscode", message: "Pure folders must not depend on the VS Code API." },
          { name: "node:fs", message: "Pure folders must not touch the disk; hosts pass file access in (src/host)." },
          { name: "fs", message: "Pure folders must not touch the disk; hosts pass file access in (src/host)." },
        ],
        patterns: [{ group: ["**/extension/**", "**/webview/**"], message: "Pure folders must not import host or browser code." }],
      }],
      "no-restricted-globals": ["error",
        { name: "document", message: "No DOM in pure folders." },
        { name: "window", message: "No DOM in pure folders." },
        { name: "navigator", message: "No DOM in pure folders." },
      ],
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "Use the seeded PRNG from src/core/rng.ts." },
        { object: "Date", property: "now", message: "Use the virtual clock from src/core/clock.ts." },
      ],
    },
  },
);
