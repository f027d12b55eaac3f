// VS Code desktop integration tests (`npm run test:vscode`): @vscode/test-cli downloads a desktop
// VS Code, installs this folder as a development extension and runs test/vscode/*.test.js in its
// extension host with mocha. Needs a machine that can download VS Code (see docs/testing.md).
import { defineConfig } from "@vscode/test-cli";

export default defineConfig({
  files: "test/vscode/**/*.test.js",
  version: "1.100.0",
  workspaceFolder: "./samples",
  mocha: { ui: "tdd", timeout: 60_000 },
  launchArgs: ["--disable-extensions", "--disable-workspace-trust"],
});
