import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainerState } from '../../shared/training/state';
import { lastJsonLine, runSegstudio } from '../support/cli';
import { miniCamvidRuns, trainArgs } from './helpers';

const segstudio = (...args: string[]) => runSegstudio(args, {}, 240_000);

function budgetOf(runDir: string, slot = 'last') {
  const raw = readFileSync(path.join(runDir, 'checkpoints', slot, 'state.json'), 'utf8');
  return TrainerState.parse(JSON.parse(raw));
}

function metrics(runDir: string): { globalStep: number; mIoU: number | null }[] {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { globalStep: number; mIoU: number | null });
}

// Budgets are wall-clock by definition; the tolerances allow a loaded machine (a step here is
// a fraction of a second; the slack is several of them).
const SLACK_SECONDS = 6;

describe('segstudio train --time-budget on a few CamVid images', () => {
  const fx = miniCamvidRuns('budget-runs', { train: 8, val: 2 });
  const common = ['--size', '96x72', '--batch', '2', '--seed', '3', '--json'];

  it('ends at the budget with a final validation and a best checkpoint', () => {
    const runDir = path.join(fx.runs, 'budget');
    const r = segstudio(...trainArgs(fx, runDir), '--time-budget', '12s', ...common);
    expect(r.status, r.stderr).toBe(0);
    const out = lastJsonLine<{ state: string; globalStep: number; totalSteps: number }>(r.stdout);
    expect(out.state).toBe('finished');
    expect(out.totalSteps).toBe(out.globalStep);
    const state = budgetOf(runDir);
    expect(state.config.timeBudgetSeconds).toBe(12);
    expect(state.budget?.ended).toBe(true);
    expect(state.budget!.elapsedSeconds).toBeGreaterThan(12 - SLACK_SECONDS);
    expect(state.budget!.elapsedSeconds).toBeLessThan(12 + SLACK_SECONDS);
    // The step that spent the budget was validated, and best holds a validated checkpoint.
    const last = metrics(runDir).at(-1)!;
    expect(last.globalStep).toBe(out.globalStep);
    expect(last.mIoU).toEqual(expect.any(Number));
    expect(budgetOf(runDir, 'best').globalStep).toBeGreaterThan(0);
  });

  it('a pause keeps the time spent; resume trains only the rest of the budget', () => {
    const runDir = path.join(fx.runs, 'budget-pause');
    const budget = 20;
    const first = segstudio(
      ...trainArgs(fx, runDir),
      '--time-budget',
      `${budget}s`,
      '--steps',
      '24',
      ...common,
    );
    expect(first.status, first.stderr).toBe(0);
    expect(lastJsonLine<{ state: string }>(first.stdout).state).toBe('paused');
    const paused = budgetOf(runDir);
    const spent = paused.budget!.elapsedSeconds;
    expect(spent).toBeGreaterThan(0);
    expect(paused.budget!.ended).toBe(false);

    const second = segstudio('resume', runDir, '--json');
    expect(second.status, second.stderr).toBe(0);
    expect(lastJsonLine<{ state: string }>(second.stdout).state).toBe('finished');
    const done = budgetOf(runDir);
    expect(done.globalStep).toBeGreaterThan(paused.globalStep);
    // Elapsed continues from the pause: the whole run, both sessions, spent one budget (a
    // resume that restarted the clock would end at spent + budget).
    expect(done.budget!.elapsedSeconds).toBeGreaterThan(spent);
    expect(done.budget!.elapsedSeconds).toBeGreaterThan(budget - SLACK_SECONDS);
    expect(done.budget!.elapsedSeconds).toBeLessThan(budget + SLACK_SECONDS);
  });
});
