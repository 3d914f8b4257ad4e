/**
 * The Export view's ONNX choice end to end below the page: the evaluation store's exportModel
 * with format 'onnx' on the real services and worker, for a run trained on a CamVid copy. The
 * produced .onnx runs in onnxruntime-node with the shape its sidecar states, and the job bar
 * counts to its total.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../shared/contracts/common';
import { ModelManifest, onnxSidecarPath } from '../../main/engine/export-manifest';
import { ensureBuilt } from '../support/build';
import {
  connectStoresTo,
  startMiniCamvidServices,
  type MiniCamvidServices,
} from '../support/services';

let fixture: MiniCamvidServices;

beforeAll(async () => {
  ensureBuilt();
  fixture = startMiniCamvidServices('export-onnx', { train: 4, val: 2 });
  connectStoresTo(fixture.services);
  await fixture.openDataset();
  await fixture.trainTinyRun('r');
});

afterAll(() => fixture.dispose());

describe('Export view: ONNX', () => {
  it("exports the run's best checkpoint as .onnx + .segstudio.json that onnxruntime runs", async () => {
    const { useEvaluationStore } = await import('../../renderer/src/stores/evaluation');
    const evaluation = useEvaluationStore();
    fixture.events.length = 0;
    const produced = await evaluation.exportModel('r', 'best', 'onnx');
    const { useNoticeStore } = await import('../../renderer/src/stores/notices');
    expect(useNoticeStore().notices.filter((n) => n.level === 'error')).toEqual([]);
    expect(produced?.path).toMatch(/r-best-model\.onnx$/);
    expect(evaluation.produced.model?.mediaPath).toMatch(/\.onnx$/);
    const jobs = fixture.events
      .filter((e) => e.channel === 'project@job')
      .map((e) => e.payload as JobProgress)
      .filter((j) => j.kind === 'export');
    const done = jobs.at(-1)!;
    expect(done.state).toBe('done');
    expect(done.total).toBeGreaterThan(3);
    expect(done.done).toBe(done.total);

    const file = produced!.path;
    expect(existsSync(onnxSidecarPath(file))).toBe(true);
    const sidecar = ModelManifest.parse(JSON.parse(readFileSync(onnxSidecarPath(file), 'utf8')));
    expect(sidecar.origin).toMatchObject({ run: 'r', checkpoint: 'best' });
    const shape = sidecar.onnx!.input.shape.map((d) => (d === 'batch' ? 1 : Number(d)));
    const session = await ort.InferenceSession.create(readFileSync(file));
    const size = shape.reduce((a, b) => a * b, 1);
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(size), shape),
    });
    expect(out['logits']!.dims).toEqual([1, sidecar.classes.length, shape[2], shape[3]]);
    await session.release();
  });

  it('a failed ONNX export says what failed in words', async () => {
    const { useEvaluationStore } = await import('../../renderer/src/stores/evaluation');
    const { useNoticeStore } = await import('../../renderer/src/stores/notices');
    const notices = useNoticeStore();
    expect(await useEvaluationStore().exportModel('no-such-run', 'best', 'onnx')).toBeNull();
    const error = notices.notices.filter((n) => n.level === 'error').at(-1)!;
    expect(error.title).toContain('Exporting no-such-run as ONNX');
    expect(error.message).toContain('no-such-run');
  });
});
