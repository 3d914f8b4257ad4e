// The README's test command: lint, typecheck, build, unit + native smoke tests, then e2e.
// Stops at the first failing stage. Ends with a plain "tests: N passed, N failed, N skipped"
// line summed over every Vitest run (from their JSON reports in test-results/).
// Before the e2e stage it provisions Debian chromium (when root and it is missing), or stops
// there with the exact command to run, so a fresh clone needs only the README's two commands.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { provisionChromium } from './provision/chromium.mjs';

const reportDir = 'test-results';
mkdirSync(reportDir, { recursive: true });

const vitest = (name, extra) => [
  'npx',
  [
    '--no-install',
    'vitest',
    'run',
    ...extra,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportDir}/${name}.json`,
  ],
];

const stages = [
  ['lint', 'npm', ['run', 'lint']],
  ['typecheck', 'npm', ['run', 'typecheck']],
  ['build', 'npm', ['run', 'build']],
  ['unit', ...vitest('unit', [])],
  ['e2e', ...vitest('e2e', ['--config', 'vitest.e2e.config.mts'])],
];

const totals = { passed: 0, failed: 0, skipped: 0 };
function addReport(name) {
  const file = `${reportDir}/${name}.json`;
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

let failedStage = null;
for (const [name, cmd, args] of stages) {
  rmSync(`${reportDir}/${name}.json`, { force: true });
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  if (name === 'e2e') {
    const browser = await provisionChromium();
    if (browser.status === 'manual' || browser.status === 'failed') {
      console.log(`=== e2e: NOT RUN (no browser for the e2e tests; see above)`);
      failedStage = name;
      break;
    }
  }
  const result = spawnSync(cmd, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  addReport(name);
  if (result.status !== 0) {
    console.log(`=== ${name}: FAILED (${seconds}s)`);
    failedStage = name;
    break;
  }
  console.log(`=== ${name}: ok (${seconds}s)`);
}
if (failedStage && totals.failed === 0) totals.failed = 1; // a lint/typecheck/build failure counts
console.log(`\n${failedStage ? `failed at stage ${failedStage}` : 'all stages passed'}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedStage ? 1 : 0);
