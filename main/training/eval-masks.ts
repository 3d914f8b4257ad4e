import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CheckpointKind } from '../../shared/contracts/common';
import type { PredictedLabels } from '../engine/evaluate';
import { encodeIndexedPng } from '../engine/predict-png';
import { fsyncDir, writeFileDurable } from '../fs/atomic';

/**
 * The predicted masks an evaluation keeps for the sample viewer: `eval/<split>/pred/<id>.png`
 * in the run folder (8-bit greyscale, pixel = training index, at the annotation's size) and
 * `eval/<split>/pred.stamp.json`, written after the report, naming the report they belong to.
 * No stamp (or one for another report) means the masks cannot be trusted to match the report.
 */
export const MaskStamp = z.object({
  runName: z.string(),
  split: z.string(),
  checkpoint: CheckpointKind,
  checkpointCreatedAt: z.string(),
  globalStep: z.number().int().min(0),
  evaluatedAt: z.number(),
  count: z.number().int().min(0),
});
export type MaskStamp = z.infer<typeof MaskStamp>;

/** What the worker's evaluation reports about the masks it wrote, for the stamp. */
export const WrittenMasks = MaskStamp.pick({
  checkpointCreatedAt: true,
  globalStep: true,
  count: true,
});
export type WrittenMasks = z.infer<typeof WrittenMasks>;

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export function evalMaskPaths(runDir: string, split: string): { dir: string; stamp: string } {
  const splitDir = path.join(runDir, 'eval', safeName(split));
  return { dir: path.join(splitDir, 'pred'), stamp: path.join(splitDir, 'pred.stamp.json') };
}

/** A sample id becomes a file name only when it cannot leave the folder. */
const isFlatName = (id: string): boolean =>
  id.length > 0 && id !== '.' && id !== '..' && !/[/\\\0]/.test(id);

export interface MaskWriter {
  write(id: string, prediction: PredictedLabels): Promise<void>;
  /** Swaps the new masks in; the old stamp goes first so it never vouches for new masks. */
  commit(): Promise<number>;
  discard(): Promise<void>;
}

/** Writes masks into a temp folder next to `pred/`, renamed into place by `commit`. */
export async function createMaskWriter(runDir: string, split: string): Promise<MaskWriter> {
  const paths = evalMaskPaths(runDir, split);
  const parent = path.dirname(paths.dir);
  await fs.mkdir(parent, { recursive: true });
  const temp = path.join(parent, `.pred-${randomBytes(6).toString('hex')}.tmp`);
  await fs.mkdir(temp);
  let count = 0;
  return {
    async write(id, prediction) {
      if (!isFlatName(id)) return;
      const png = await encodeIndexedPng(
        prediction.width,
        prediction.height,
        prediction.label,
        null,
      );
      await writeFileDurable(path.join(temp, `${id}.png`), png);
      count++;
    },
    async commit() {
      await fsyncDir(temp);
      await fs.rm(paths.stamp, { force: true });
      const old = `${paths.dir}.old-${randomBytes(6).toString('hex')}`;
      if (existsSync(paths.dir)) await fs.rename(paths.dir, old);
      await fs.rename(temp, paths.dir);
      await fsyncDir(parent);
      await fs.rm(old, { recursive: true, force: true });
      return count;
    },
    async discard() {
      await fs.rm(temp, { recursive: true, force: true });
    },
  };
}
