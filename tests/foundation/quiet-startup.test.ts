/**
 * Quiet start-up: the real `segstudio` binary prints none of libtensorflow's log lines on
 * stderr unless SEGSTUDIO_TF_LOG=1, and nothing else changes (stdout, our own lines, exit
 * codes). The filter itself is checked on chunked input (lines split anywhere, progress bars).
 */
import { describe, expect, it } from 'vitest';
import { TfLogFilter, isTfLogLine } from '../../main/cli/tf-log-filter';
import { ensureBuilt } from '../support/build';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { CAMVID } from '../support/datasets';

const ABSL =
  'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const ONEDNN =
  'I0000 00:00:1796164371.000814    8839 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results.';
const tfLines = (text: string): string[] => text.split(/[\r\n]/).filter(isTfLogLine);

describe('TfLogFilter', () => {
  it('drops TF lines however the text is chunked and passes the rest unchanged', () => {
    const text = `${ABSL}\n${ONEDNN}\nWARNING: running on the pure-JS CPU backend\n\rtrain [##--] 50%\rtrain [####] 100%\nE1201 22:01:02.123456 77 x.cc:9] bad\ndone`;
    for (const size of [1, 3, 7, 64, text.length]) {
      const filter = new TfLogFilter();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += filter.push(text.slice(i, i + size));
      out += filter.end();
      expect(out, `chunks of ${size}`).toBe(
        'WARNING: running on the pure-JS CPU backend\n\rtrain [##--] 50%\rtrain [####] 100%\ndone',
      );
    }
  });

  it('writes a line that cannot be a TF line at once, before its end arrives', () => {
    const filter = new TfLogFilter();
    expect(filter.push('\rchecking masks [###')).toBe('\rchecking masks [###');
    expect(filter.push('#] 100%')).toBe('#] 100%');
    // A possible TF header is held only until it is decided.
    expect(filter.push('\nI00')).toBe('\n');
    expect(filter.push('ps, not TF\n')).toBe('I00ps, not TF\n');
  });
});

describe('segstudio start-up on stderr', () => {
  it('doctor (loads libtensorflow) prints no TF line; SEGSTUDIO_TF_LOG=1 shows them', () => {
    ensureBuilt();
    // oneDNN's start-up line is the one TF line a plain load prints. The app turns oneDNN on
    // for x64 (main/native/backend.ts); naming it here also keeps the line if this process
    // inherited TF_ENABLE_ONEDNN_OPTS=0, so both halves of this test see a TF line to drop or
    // to show.
    const oneDnn = { TF_ENABLE_ONEDNN_OPTS: '1' };
    const quiet = runSegstudio(['doctor', '--json'], oneDnn);
    expect(quiet.status).toBe(0);
    expect(tfLines(quiet.stderr)).toEqual([]);
    const loud = runSegstudio(['doctor', '--json'], { ...oneDnn, SEGSTUDIO_TF_LOG: '1' });
    expect(loud.status).toBe(0);
    expect(tfLines(loud.stderr).length).toBeGreaterThan(0);
    // Same report either way (only the stderr filter differs).
    const keys = (run: typeof quiet) => Object.keys(lastJsonLine<object>(run.stdout));
    expect(keys(quiet)).toEqual(keys(loud));
    expect(lastJsonLine<{ native: boolean }>(quiet.stdout).native).toBe(true);
  }, 120_000);

  it('inspect on CamVid: no TF line, the same --json report, exit codes unchanged', () => {
    ensureBuilt();
    const quiet = runSegstudio(['inspect', CAMVID, '--json'], {}, 120_000);
    const loud = runSegstudio(['inspect', CAMVID, '--json'], { SEGSTUDIO_TF_LOG: '1' }, 120_000);
    expect(quiet.status).toBe(0);
    expect(loud.status).toBe(0);
    expect(tfLines(quiet.stderr)).toEqual([]);
    // The same report, timings aside (the only fields that vary between two runs).
    const report = (run: typeof quiet) => {
      expect(run.stdout.trim().split('\n').length).toBe(1);
      const { timing: _timing, ...rest } = lastJsonLine<{ timing: unknown }>(run.stdout);
      return rest;
    };
    expect(report(quiet)).toEqual(report(loud));
    expect(quiet.stderr).toContain('checking masks');
    const missing = runSegstudio(['inspect', '/nonexistent', '--json']);
    expect(missing.status).toBe(1);
    expect(lastJsonLine<{ error: { code: string } }>(missing.stdout).error.code).toBe('not-found');
    expect(runSegstudio(['no-such-command']).status).toBe(2);
  }, 300_000);

  it.runIf(process.arch === 'x64')(
    'turns oneDNN on by default on any x86 CPU; TF_ENABLE_ONEDNN_OPTS=0 from the user wins',
    () => {
      ensureBuilt();
      // Unset (not inherited from this process, whose own load may have set it), or empty.
      for (const unset of [undefined, '']) {
        const byDefault = runSegstudio(['doctor', '--json'], {
          TF_ENABLE_ONEDNN_OPTS: unset,
          SEGSTUDIO_TF_LOG: '1',
        });
        expect(byDefault.status).toBe(0);
        expect(byDefault.stderr).toMatch(/oneDNN custom operations are on/);
        expect(lastJsonLine<{ onednn: boolean }>(byDefault.stdout).onednn).toBe(true);
      }
      const off = runSegstudio(['doctor', '--json'], {
        TF_ENABLE_ONEDNN_OPTS: '0',
        SEGSTUDIO_TF_LOG: '1',
      });
      expect(off.status).toBe(0);
      expect(off.stderr).not.toMatch(/oneDNN custom operations are on/);
      expect(lastJsonLine<{ onednn: boolean }>(off.stdout).onednn).toBe(false);
    },
    120_000,
  );
});
