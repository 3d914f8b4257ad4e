// One tsconfig per process; each is checked on its own so a layer cannot lean on another's
// globals (shared/ has no Node or DOM types at all).
import { spawnSync } from 'node:child_process';

const checks = [
  ['tsc', 'tsconfig.shared.json'],
  ['tsc', 'tsconfig.main.json'],
  ['tsc', 'tsconfig.preload.json'],
  ['vue-tsc', 'tsconfig.renderer.json'],
  ['tsc', 'tsconfig.test.json'],
];

let failed = 0;
for (const [tool, project] of checks) {
  const started = Date.now();
  const result = spawnSync('npx', ['--no-install', tool, '--noEmit', '-p', project], {
    stdio: 'inherit',
  });
  const ok = result.status === 0;
  if (!ok) failed++;
  console.log(
    `[typecheck] ${ok ? 'ok  ' : 'FAIL'} ${project} (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
}
process.exit(failed ? 1 : 0);
