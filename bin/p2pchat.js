#!/usr/bin/env node
// The CLI is bundled into one file by `npm run build`: loading one module instead of dozens is
// most of a command's start-up time. The daemon's modules are loaded separately, on `daemon` only.
import '../dist/src/cli/main.bundle.js';
