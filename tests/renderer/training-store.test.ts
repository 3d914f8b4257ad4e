import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/contracts/training';
import {
  connectStoresTo,
  startMiniCamvidServices,
  type MiniCamvidServices,
} from '../support/services';
import { isLiveState, type TrainingState } from '../../shared/training/state';
import { forkNodeWorker, type WorkerPort } from '../../main/worker/port';
import type { Notice } from '../../renderer/src/stores/notices';
import { ensureBuilt } from '../support/build';

/**
 * The renderer's training store, driven by the real services and real worker processes
 * through an in-process transport (what the preload bridge does over IPC or a WebSocket):
 * warnings a run reports while it goes on must reach the user as warnings, never as errors.
 */
let fixture: MiniCamvidServices;
const workers: WorkerPort[] = [];

beforeAll(() => {
  ensureBuilt();
  fixture = startMiniCamvidServices(
    'training-store',
    { train: 8, val: 2 },
    {
      // The real worker; the test only keeps hold of its processes to kill one.
      spawnWorker: (entry, env) => {
        const port = forkNodeWorker(entry, { ...env, TF_CPP_MIN_LOG_LEVEL: '2' });
        workers.push(port);
        return port;
      },
    },
  );
  // Every val annotation gone: the split is listed but has no usable sample.
  for (const name of readdirSync(path.join(fixture.dataset, 'valannot'))) {
    rmSync(path.join(fixture.dataset, 'valannot', name));
  }
  connectStoresTo(fixture.services);
});

afterAll(() => fixture.dispose());

describe('training store', () => {
  it('shows "no usable val split" and a crash-restart notice as warnings while the run goes on', async () => {
    // The store reads the host bridge when first imported, so only after it is installed.
    const { useTrainingStore } = await import('../../renderer/src/stores/training');
    const { useNoticeStore } = await import('../../renderer/src/stores/notices');
    const training = useTrainingStore();
    const notices = useNoticeStore();
    const pushed: { notice: Omit<Notice, 'id'>; state: TrainingState | undefined }[] = [];
    notices.$onAction(({ name, args }) => {
      if (name !== 'push') return;
      pushed.push({ notice: args[0] as Omit<Notice, 'id'>, state: training.active?.state });
    });
    const states: TrainingState[] = [];
    let killed = false;
    const settled = new Promise<RunSummary>((resolve) => {
      fixture.services.events.addSink((channel, payload) => {
        if (channel === 'training@progress' && !killed) {
          // The first worker dies mid-run: the host restarts it from the last checkpoint.
          killed = true;
          workers[0]?.kill('SIGKILL');
        }
        if (channel !== 'training@state') return;
        const summary = payload as RunSummary;
        states.push(summary.state);
        if (!isLiveState(summary.state)) resolve(summary);
      });
    });

    await training.load();
    await fixture.openDataset();
    expect(
      await training.start({
        runName: 'warned',
        width: 64,
        height: 64,
        batch: 2,
        epochs: 2,
        stopAfterSteps: 6,
      }),
    ).toBe(true);
    const final = await settled;

    // The run went on to the step it was asked to pause at, through the restart.
    expect(workers.length).toBe(2);
    expect(final).toMatchObject({ runName: 'warned', state: 'paused', globalStep: 6 });
    expect(states).not.toContain('crashed');
    expect(training.active?.state).toBe('paused');

    const warnings = pushed.filter((p) => p.notice.level === 'warning');
    const noVal = warnings.find((p) => /No usable "val" split/.test(p.notice.message ?? ''));
    const restart = warnings.find((p) =>
      /restarting from the last checkpoint/.test(p.notice.message ?? ''),
    );
    expect(noVal?.notice.title).toBe('Training run warned: warning');
    expect(restart?.notice.title).toBe('Training run warned: warning');
    // Each arrived while the run was live, and nothing was reported as an error.
    expect(noVal && isLiveState(noVal.state!)).toBe(true);
    expect(restart && isLiveState(restart.state!)).toBe(true);
    expect(pushed.filter((p) => p.notice.level === 'error')).toEqual([]);
    expect(training.warningsOf('warned')).toEqual(
      expect.arrayContaining([noVal!.notice.message, restart!.notice.message]),
    );

    // Reopened on the settled run (no live progress): the header's numbers come from its log.
    await training.select('warned');
    expect(training.lastLogged).toMatchObject({ step: 6, loss: expect.any(Number) });
    expect(training.lastLogged?.lr).toBeGreaterThan(0);
    expect(training.lastLogged?.imgPerSec).toBeGreaterThan(0);
  });
});
