/**
 * The conventions every `segstudio` command shares, from the one framework: help generated from
 * the parser's option specs (a description and a default for every option), `--json` errors as
 * the last stdout line with exit 2 for usage and 1 for failures, and `inspect --strict`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommands } from '../../main/cli/commands/index';
import { COMMON_OPTIONS, commandHelp, usageOf } from '../../main/cli/framework';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { makeDamaged } from '../dataset/fixtures/damaged';
import { CAMVID } from '../support/datasets';
import { tempDir } from '../support/folders';

interface JsonError {
  error: { message: string; code: string; file?: string };
}

describe('help is generated from the option specs', () => {
  it('every option of every command has a one-line description and a default in its help', () => {
    for (const command of cliCommands) {
      const help = commandHelp(command).split('\n');
      const usage = usageOf(command);
      for (const [name, spec] of Object.entries({ ...command.options, ...COMMON_OPTIONS })) {
        expect(spec.description.trim().length, `${command.name} --${name}`).toBeGreaterThan(5);
        expect(spec.description, `${command.name} --${name}`).not.toContain('\n');
        const row = help.find((l) => new RegExp(`^\\s+(-\\w, )?--${name}\\b`).test(l));
        expect(row, `${command.name} --${name} row`).toBeDefined();
        expect(row).toContain(spec.description);
        expect(row).toMatch(/ \(default: .+\)$/);
        expect(usage).toContain(`--${name === 'help' ? 'json' : name}`);
      }
    }
  });
});

describe('--json errors and inspect --strict (real CLI process)', () => {
  const work = tempDir('cli-conventions');
  beforeAll(() => ensureBuilt());
  afterAll(() => work.cleanup());

  it('a usage error exits 2 with {"error":{"message","code":"usage"}} as the last stdout line', () => {
    const run = runSegstudio(['eval', '--no-such-flag', '--json']);
    expect(run.status).toBe(2);
    const { error } = lastJsonLine<JsonError>(run.stdout);
    expect(error.code).toBe('usage');
    expect(error.message).toContain('--no-such-flag');
    expect(run.stderr).toContain('segstudio eval: error:');

    const unknown = runSegstudio(['frobnicate', '--json']);
    expect(unknown.status).toBe(2);
    expect(lastJsonLine<JsonError>(unknown.stdout).error.code).toBe('usage');
  });

  it('a failure exits 1 and names the file; without --json stdout stays empty', () => {
    const missing = path.join(work.dir, 'no-such-dataset');
    const run = runSegstudio(['inspect', missing, '--json']);
    expect(run.status).toBe(1);
    expect(lastJsonLine<JsonError>(run.stdout)).toEqual({
      error: { message: `${missing} does not exist`, code: 'not-found', file: missing },
    });
    const human = runSegstudio(['inspect', missing]);
    expect(human.status).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain(`${missing} does not exist`);
  });

  it('inspect --strict exits 1 on a damaged dataset after its report, 0 on CamVid', async () => {
    const damaged = path.join(work.dir, 'damaged');
    await makeDamaged(damaged);
    const lax = runSegstudio(['inspect', damaged, '--json']);
    expect(lax.status).toBe(0);
    const strict = runSegstudio(['inspect', damaged, '--strict', '--json']);
    expect(strict.status).toBe(1);
    const lines = strict.stdout.trim().split('\n');
    const report = JSON.parse(lines.at(-2) ?? '') as { problems: unknown[] };
    expect(report.problems.length).toBeGreaterThan(0);
    const { error } = lastJsonLine<JsonError>(strict.stdout);
    expect(error).toEqual({
      message: `--strict: ${report.problems.length} problems in ${damaged}`,
      code: 'problems',
      file: damaged,
    });
    const clean = runSegstudio(['inspect', CAMVID, '--strict', '--quick', '--json']);
    expect(clean.status).toBe(0);
    expect(lastJsonLine<{ problems: unknown[] }>(clean.stdout).problems).toEqual([]);
  });
});
