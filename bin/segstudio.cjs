#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'out', 'main', 'cli.cjs');
if (!fs.existsSync(entry)) {
  process.stderr.write(
    'segstudio: not built yet. Run `npm run build` first (after `npm run setup` on a fresh machine).\n',
  );
  process.exit(1);
}
require(entry);
