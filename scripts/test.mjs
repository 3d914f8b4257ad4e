// The README's test command: lint, typecheck, build, unit + smoke tests, then e2e.
// Stops at the first failing stage and ends with a plain "N passed, N failed" summary line.
import { spawnSync } from 'node:child_process';

const stages = [
  ['lint', 'npm', ['run', 'lint']],
  ['typecheck', 'npm', ['run', 'typecheck']],
  ['build', 'npm', ['run', 'build']],
  ['unit', 'npx', ['--no-install', 'vitest', 'run']],
  [
    'e2e',
    'npx',
    ['--no-install', 'vitest', 'run', '--config', 'vitest.e2e.config.mts', '--passWithNoTests'],
  ],
];

let passed = 0;
let failed = 0;
for (const [name, cmd, args] of stages) {
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    passed++;
    console.log(`=== ${name}: ok (${seconds}s)`);
  } else {
    failed++;
    console.log(`=== ${name}: FAILED (${seconds}s)`);
    break;
  }
}
console.log(`\nstages: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
