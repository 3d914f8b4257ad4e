// `npm start`: build, then launch the desktop app. Electron's binary cannot be downloaded on
// offline machines; say so and point at the browser host instead of failing obscurely.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { runForwardingSignals } from './lib/forward-signals.mjs';

const require = createRequire(import.meta.url);
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electronPath;
try {
  electronPath = require('electron');
} catch (err) {
  console.error(`Electron is not installed: ${err.message}`);
}
if (typeof electronPath !== 'string') {
  console.error(
    'The Electron binary is not available on this machine (run `npm run setup` where its download host is reachable).\n' +
      'Run the same app in your browser instead:  npx segstudio serve',
  );
  process.exit(1);
}
// Signals are passed on: `kill <pid>` of `npm start` (or a closed terminal) must reach
// Electron, whose before-quit handler pauses a running training with a checkpoint.
process.exit(await runForwardingSignals(electronPath, ['.']));
