import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecodePool } from '../../main/dataset/decode-pool';
import { scanMaskInProcess } from '../../main/dataset/scan';
import { packageRoot } from '../../main/paths';
import { bundleForTest } from '../support/build';
import { CAMVID } from '../support/datasets';
import { tempDir } from '../support/folders';

/**
 * The pool runs the bundled worker; the test bundles its own copy (bundleForTest) instead of
 * racing other test files for out/main.
 */
describe('decode pool', () => {
  const work = tempDir('pool');
  const bundle = bundleForTest(
    path.join(packageRoot(), 'main', 'entries', 'decode-worker.ts'),
    'decode-worker',
  );
  afterAll(() => work.cleanup());

  it('decodes masks in worker threads exactly as in-process', async () => {
    const pool = createDecodePool({ size: 2, bundle });
    try {
      expect(pool.workers).toBe(2);
      const files = ['0001TP_006690', '0001TP_006720', '0001TP_006750'].map((n) =>
        path.join(CAMVID, 'trainannot', `${n}.png`),
      );
      const viaPool = await Promise.all(files.map((f) => pool.scan(f, 'index')));
      const direct = await Promise.all(files.map((f) => scanMaskInProcess(f, 'index')));
      expect(viaPool).toEqual(direct);
      expect(viaPool[0]!.histogram.reduce((n, [, c]) => n + c, 0)).toBe(480 * 360);
      await expect(pool.scan(path.join(work.dir, 'missing.png'), 'index')).rejects.toThrow();
    } finally {
      await pool.close();
    }
  });

  it('redoes the tasks of a crashed worker in-process instead of failing them', async () => {
    const crashing = path.join(path.dirname(bundle), 'crashing-worker.cjs');
    writeFileSync(crashing, "throw new Error('worker failed to start');\n");
    const pool = createDecodePool({ size: 1, bundle: crashing });
    try {
      const file = path.join(CAMVID, 'valannot', '0016E5_07959.png');
      const scans = await Promise.all([pool.scan(file, 'index'), pool.scan(file, 'index')]);
      expect(scans[0]).toEqual(await scanMaskInProcess(file, 'index'));
      expect(scans[1]).toEqual(scans[0]);
    } finally {
      await pool.close();
    }
  });

  it('falls back to in-process decoding without a worker bundle', async () => {
    const pool = createDecodePool({ bundle: null });
    expect(pool.workers).toBe(0);
    const scan = await pool.scan(path.join(CAMVID, 'valannot', '0016E5_07959.png'), 'index');
    expect([scan.width, scan.height]).toEqual([480, 360]);
    await pool.close();
  });
});
