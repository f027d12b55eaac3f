// Which folder may import which: the table in docs/architecture.md, as data. eslint.config.mjs
// turns it into import rules, and a unit test keeps the documented table equal to it.
export const LAYERS = {
  "src/core": [],
  "src/notebook": ["src/core"],
  "src/scenario": ["src/core"],
  "src/protocol": ["src/core"],
  "src/present": ["src/core", "src/protocol", "src/notebook"],
  "src/sims": ["src/core", "src/scenario", "src/present", "src/protocol"],
  "src/engine": ["src/core", "src/notebook", "src/scenario", "src/sims", "src/present", "src/protocol"],
  "src/host": ["src/core", "src/protocol"],
  "src/cli": ["src/core", "src/notebook", "src/scenario", "src/sims", "src/engine", "src/present", "src/protocol", "src/host"],
  "src/extension": ["src/core", "src/notebook", "src/scenario", "src/sims", "src/engine", "src/present", "src/protocol", "src/host"],
  webview: ["src/core", "src/protocol", "src/present"],
};

/** The folders whose code runs anywhere: no `vscode`, no DOM, no disk. */
export const PURE = ["src/core", "src/notebook", "src/scenario", "src/protocol", "src/present", "src/sims", "src/engine"];
