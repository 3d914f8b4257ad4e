/**
 * TensorBoard scalars of a real run (native tfjs-node writer in real worker processes), read
 * back from the event files: the TFRecord framing with its CRCs, then each Event protobuf
 * (step, Summary.Value tag and simple_value). Across a pause/resume and a crash-like resume
 * from an older checkpoint, every step is there exactly once, with the losses of steps.jsonl.
 */
import { appendFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventFiles, protoFields, readTfRecords } from '../../main/engine/event-file';
import { createRun, miniCamvidRuns, recordingHost, stepLosses } from './helpers';

interface Point {
  readonly tag: string;
  readonly step: number;
  readonly value: number;
}

/** Every scalar point of the run's event files (Event.summary.value[].simple_value). */
async function readScalars(runDir: string): Promise<Point[]> {
  const points: Point[] = [];
  const files = await eventFiles(path.join(runDir, 'tensorboard'));
  for (const file of files) {
    const data = readFileSync(file);
    const records = readTfRecords(data);
    // Every byte is an intact record: nothing torn, no CRC mismatch.
    expect(records.reduce((n, r) => n + r.framed.length, 0)).toBe(data.length);
    for (const { payload } of records) {
      const event = protoFields(payload);
      const step = Number(event.find((f) => f.field === 2)?.int ?? 0n);
      for (const summary of event.filter((f) => f.field === 5)) {
        for (const value of protoFields(summary.bytes!).filter((f) => f.field === 1)) {
          const fields = protoFields(value.bytes!);
          const tag = fields.find((f) => f.field === 1)!.bytes!.toString('utf8');
          const simple = fields.find((f) => f.field === 2 && f.wire === 5)!.bytes!;
          points.push({ tag, step, value: simple.readFloatLE(0) });
        }
      }
    }
  }
  return points;
}

function series(points: readonly Point[], tag: string): [number, number][] {
  return points.filter((p) => p.tag === tag).map((p) => [p.step, p.value]);
}

const f32 = (x: number): number => Math.fround(x);

async function settle(
  runDir: string,
  how: 'start' | 'resume',
  stopAfterSteps: number | null,
): Promise<void> {
  const { host } = recordingHost();
  if (how === 'start') await host.start(runDir, { stopAfterSteps });
  else await host.resume(runDir, { stopAfterSteps });
  await host.waitForSettled();
}

describe('TensorBoard scalars', () => {
  const fx = miniCamvidRuns('tensorboard');

  it('writes loss, LR, step time and validation metrics once per step across resumes', async () => {
    const runDir = await createRun(fx.runs, 'tb', fx.dataset);
    const checkpoints = path.join(runDir, 'checkpoints');
    const atFive = path.join(fx.runs, 'checkpoints-at-5');

    // 5 steps, pause; keep the checkpoints of step 5; resume to step 10, pause.
    await settle(runDir, 'start', 5);
    cpSync(checkpoints, atFive, { recursive: true });
    await settle(runDir, 'resume', 10);
    const beforeCrash = await readScalars(runDir);
    expect(series(beforeCrash, 'train/loss').map(([s]) => s)).toEqual(
      [...Array(10).keys()].map((i) => i + 1),
    );

    // As if a crash lost every checkpoint after step 5 while steps 6..10 were already logged,
    // and a torn record at the end of the first event file.
    rmSync(checkpoints, { recursive: true });
    cpSync(atFive, checkpoints, { recursive: true });
    const files = await eventFiles(path.join(runDir, 'tensorboard'));
    expect(files.length).toBe(2);
    appendFileSync(files[0]!, Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
    await settle(runDir, 'resume', null);

    const points = await readScalars(runDir);
    const losses = stepLosses(runDir);
    const steps = [...Array(12).keys()].map((i) => i + 1);
    expect(losses.map((l) => l.step)).toEqual(steps);
    // Each step once, with the loss steps.jsonl holds for it (float32 in the event file).
    expect(series(points, 'train/loss')).toEqual(losses.map((l) => [l.step, f32(l.loss)]));
    // The redone steps 6..10 are the same steps (exact resume), logged again only once.
    expect(series(points, 'train/loss').slice(5, 10)).toEqual(
      series(beforeCrash, 'train/loss').slice(5, 10),
    );
    for (const tag of ['train/learning_rate', 'train/step_seconds']) {
      expect(series(points, tag).map(([s]) => s)).toEqual(steps);
      for (const [, v] of series(points, tag)) expect(v).toBeGreaterThan(0);
    }

    // Epoch ends at steps 4, 8, 12: the metrics.jsonl numbers, at the epoch's last step.
    const metrics = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            globalStep: number;
            trainLoss: number;
            valLoss: number;
            mIoU: number;
            pixelAccuracy: number;
            classIoU: { name: string; iou: number | null }[];
          },
      );
    expect(metrics.map((m) => m.globalStep)).toEqual([4, 8, 12]);
    expect(series(points, 'val/mIoU')).toEqual(metrics.map((m) => [m.globalStep, f32(m.mIoU)]));
    expect(series(points, 'val/loss')).toEqual(metrics.map((m) => [m.globalStep, f32(m.valLoss)]));
    expect(series(points, 'epoch/train_loss')).toEqual(
      metrics.map((m) => [m.globalStep, f32(m.trainLoss)]),
    );
    expect(series(points, 'val/pixel_accuracy').length).toBe(3);
    // Per-class IoU under the CamVid class names, a point wherever the IoU is defined.
    const last = metrics.at(-1)!;
    expect(last.classIoU.length).toBe(11);
    for (const c of last.classIoU) {
      const point = series(points, `val/IoU/${c.name}`).find(([s]) => s === 12);
      expect(point).toEqual(c.iou === null ? undefined : [12, f32(c.iou)]);
    }
    expect(last.classIoU.some((c) => c.iou !== null)).toBe(true);
  }, 300_000);
});
