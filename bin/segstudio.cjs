#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const out = path.join(__dirname, '..', 'out', 'main');
const entry = path.join(out, 'cli.cjs');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    'segstudio: not built yet. Run `npm run build` first (after `npm run setup` on a fresh machine).\n',
  );
  process.exit(1);
}
// libtensorflow's start-up log lines are filtered out by a launcher process around the CLI
// (main/cli/quiet-launch.ts), unless SEGSTUDIO_TF_LOG=1 asks to see them.
const direct = process.env.SEGSTUDIO_TF_LOG === '1' || process.env.SEGSTUDIO_STDERR_FILTERED;
require(direct ? entry : path.join(out, 'cli-launcher.cjs'));
