import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectStoresTo,
  startMiniCamvidServices,
  type MiniCamvidServices,
} from '../support/services';
import { startJob } from '../../main/services/jobs';
import type { Notice } from '../../renderer/src/stores/notices';
import { ensureBuilt } from '../support/build';

/**
 * A failed export, through the renderer's stores on the real services (an in-process
 * transport, what the preload bridge does over IPC or a WebSocket): one toast with the real
 * cause, and the previous export's result no longer shown.
 */
let fixture: MiniCamvidServices;

beforeAll(() => {
  ensureBuilt();
  fixture = startMiniCamvidServices('export-errors', { train: 4, val: 2 });
  connectStoresTo(fixture.services);
});

afterAll(() => fixture.dispose());

describe('export errors', () => {
  it('a failed export gives one toast naming the cause and clears the last result', async () => {
    const { useProjectStore } = await import('../../renderer/src/stores/project');
    const { useEvaluationStore } = await import('../../renderer/src/stores/evaluation');
    const { useNoticeStore } = await import('../../renderer/src/stores/notices');
    const project = useProjectStore();
    const evaluation = useEvaluationStore();
    const notices = useNoticeStore();
    expect(await project.openDataset(fixture.dataset)).toBe(true);
    const errors = (): Notice[] => notices.notices.filter((n) => n.level === 'error');
    expect(errors()).toEqual([]);

    // A previous success is on screen ...
    evaluation.produced = { metrics: { path: '/x/old-metrics.csv', mediaPath: '', bytes: 10 } };
    // ... and the next export fails: the host's failed job and the call's error both arrive.
    const job = startJob(fixture.services.events, 'export', 'Export nothing');
    job.fail('the checkpoint file is missing');
    const result = await evaluation.exportMetrics('no-such-run', 'val', 'best', 'csv');
    expect(result).toBeNull();
    expect(evaluation.produced.metrics).toBeUndefined();
    expect(errors()).toHaveLength(1);
    expect(errors()[0]!.title).toContain('Exporting metrics');
    expect(errors()[0]!.message).toContain('no-such-run');
  });
});
