#!/usr/bin/env node
// The p2pchat command: the CLI bundled into one CommonJS file by `npm run build` (see
// scripts/bundle.mjs). This file is CommonJS too (bin/package.json), so Node does not start its
// ES module loader for a CLI command; only `p2pchat daemon` does, to load the daemon's bundle.
/* global require */
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/src/cli/main.bundle.cjs');
