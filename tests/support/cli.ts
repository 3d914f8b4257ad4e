import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `segstudio` binary (bin/segstudio.cjs -> out/main/cli.cjs) as a child process,
 * as a user would. Call ensureBuilt() (tests/support/build.ts) in beforeAll first.
 */
export function runSegstudio(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeout = 60_000,
): CliRun {
  const run = spawnSync(process.execPath, [path.join(root, 'bin', 'segstudio.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The `--json` convention: the last stdout line is one JSON object. */
export function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}

/** A tiny run of `segstudio train --project` (64x64, batch 2, one epoch); `extra` adds options. */
export function trainProjectRun(projectDir: string, run: string, ...extra: string[]): CliRun {
  return runSegstudio(
    [
      'train',
      '--project',
      projectDir,
      '--run',
      run,
      '--size',
      '64x64',
      '--batch',
      '2',
      '--epochs',
      '1',
      '--seed',
      '3',
      ...extra,
    ],
    {},
    240_000,
  );
}
