// `npm start`: build, then launch the desktop app. Electron's binary cannot be downloaded on
// offline machines; say so and point at the browser host instead of failing obscurely.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

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
const run = spawnSync(electronPath, ['.'], { stdio: 'inherit' });
process.exit(run.status ?? 1);
