import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, isAlive } from '../support/serve-process';

// `npm start`'s wrapper (scripts/start.mjs) launches Electron through this helper. Real
// processes: a wrapper around a child that records which signal it got, signalled from here.
const helper = path.resolve(__dirname, '../../scripts/lib/forward-signals.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-forward-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A child that writes the signal it receives to `file`, then exits 0. */
const childScript = (file: string) => `
  const fs = require('node:fs');
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(s, () => { fs.writeFileSync(${JSON.stringify(file)}, s); process.exit(0); });
  }
  fs.writeFileSync(${JSON.stringify(file)}, 'ready');
  setInterval(() => {}, 1000);
`;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** node arguments of a wrapper running the child script through the helper. */
const wrapperArgs = (file: string, options = '{}') => [
  '--input-type=module',
  '-e',
  `import { runForwardingSignals } from ${JSON.stringify(helper)};
   const child = ['-e', ${JSON.stringify(childScript(file))}];
   process.exit(await runForwardingSignals(process.execPath, child, ${options}));`,
];

const ready = (file: string) => () => {
  try {
    return readFileSync(file, 'utf8') === 'ready';
  } catch {
    return false;
  }
};

describe('scripts/lib/forward-signals.mjs', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`passes ${signal} to the child and exits with its code`, async () => {
      const file = path.join(dir, `${signal}.txt`);
      const wrapper = spawn(process.execPath, wrapperArgs(file), { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => wrapper.on('exit', resolve));
      await until(ready(file));
      const [child] = childPids(wrapper.pid!);
      expect(child).toBeDefined();
      wrapper.kill(signal);
      expect(await exited).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(signal);
      await until(() => !isAlive(child!));
    });
  }

  it('sends SIGTERM to the child when its own launcher dies without passing a signal on', async () => {
    // launcher (killed with SIGKILL, like sh dying under npm) -> wrapper -> child.
    const file = path.join(dir, 'orphan.txt');
    const launcher = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn(process.execPath, ${JSON.stringify(
          wrapperArgs(file, '{ watchParent: true }'),
        )}, { stdio: 'ignore' }); setInterval(() => {}, 1000);`,
      ],
      { stdio: 'ignore' },
    );
    await until(ready(file));
    const [wrapper] = childPids(launcher.pid!);
    const [child] = childPids(wrapper!);
    expect(child).toBeDefined();
    launcher.kill('SIGKILL');
    await until(() => !isAlive(child!) && !isAlive(wrapper!));
    expect(readFileSync(file, 'utf8')).toBe('SIGTERM');
  });
});
