import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStoresTo } from '../support/services';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import { startJob } from '../../main/services/jobs';
import type { Notice } from '../../renderer/src/stores/notices';
import { ensureBuilt } from '../support/build';
import { makeMiniCamvid } from '../support/datasets';
import { tempDir } from '../support/folders';

/**
 * A failed export, through the renderer's stores on the real services (an in-process
 * transport, what the preload bridge does over IPC or a WebSocket): one toast with the real
 * cause, and the previous export's result no longer shown.
 */
let base: string;
let first: string;
let services: AppServices;

beforeAll(() => {
  ensureBuilt();
  base = tempDir('export-errors').dir;
  first = makeMiniCamvid({ train: 4, val: 2 });
  services = createAppServices(createServeHost(path.join(base, 'data')));
  connectStoresTo(services);
});

afterAll(async () => {
  await services.dispose();
  for (const dir of [base, first]) rmSync(dir, { recursive: true, force: true });
});

describe('export errors', () => {
  it('a failed export gives one toast naming the cause and clears the last result', async () => {
    const { useProjectStore } = await import('../../renderer/src/stores/project');
    const { useEvaluationStore } = await import('../../renderer/src/stores/evaluation');
    const { useNoticeStore } = await import('../../renderer/src/stores/notices');
    const project = useProjectStore();
    const evaluation = useEvaluationStore();
    const notices = useNoticeStore();
    expect(await project.openDataset(first)).toBe(true);
    const errors = (): Notice[] => notices.notices.filter((n) => n.level === 'error');
    expect(errors()).toEqual([]);

    // A previous success is on screen ...
    evaluation.produced = { metrics: { path: '/x/old-metrics.csv', mediaPath: '', bytes: 10 } };
    // ... and the next export fails: the host's failed job and the call's error both arrive.
    const job = startJob(services.events, 'export', 'Export nothing');
    job.fail('the checkpoint file is missing');
    const result = await evaluation.exportMetrics('no-such-run', 'val', 'best', 'csv');
    expect(result).toBeNull();
    expect(evaluation.produced.metrics).toBeUndefined();
    expect(errors()).toHaveLength(1);
    expect(errors()[0]!.title).toContain('Exporting metrics');
    expect(errors()[0]!.message).toContain('no-such-run');
  });
});
