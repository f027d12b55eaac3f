#!/usr/bin/env node
// Entry point for `npx dsnb`: the bundled command line (run `npm run build` first in a clone).
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const cli = path.join(__dirname, "..", "dist", "cli.js");
if (!fs.existsSync(cli)) {
  process.stderr.write("dsnb: dist/cli.js is missing; run `npm run build` first.\n");
  process.exit(2);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
