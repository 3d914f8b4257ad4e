/**
 * `CheckpointInfo` (the training contract's view of one checkpoint slot) from a checkpoint
 * manifest: for the session's checkpoint events and the training service's checkpoint list.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CheckpointKind } from '../../shared/contracts/common';
import type { CheckpointInfo } from '../../shared/contracts/training';
import { CheckpointManifest, SLOTS, checkpointDir } from '../engine/checkpoint';

export type CheckpointFacts = Pick<
  CheckpointManifest,
  'epoch' | 'stepInEpoch' | 'globalStep' | 'metric' | 'reason'
>;

export function checkpointInfo(
  runName: string,
  kind: CheckpointKind,
  facts: CheckpointFacts,
  savedAt: number,
): CheckpointInfo {
  return {
    runName,
    kind,
    epoch: facts.epoch,
    stepInEpoch: facts.stepInEpoch,
    globalStep: facts.globalStep,
    mIoU: facts.metric,
    savedAt,
    reason: facts.reason,
  };
}

/** The intact-looking slots of a run, from their manifests (missing or torn ones are left out). */
export async function readCheckpointInfos(
  runDir: string,
  runName: string,
): Promise<CheckpointInfo[]> {
  const out: CheckpointInfo[] = [];
  for (const slot of SLOTS) {
    const file = path.join(checkpointDir(runDir, slot), 'manifest.json');
    try {
      const manifest = CheckpointManifest.parse(JSON.parse(await fs.readFile(file, 'utf8')));
      out.push(checkpointInfo(runName, slot, manifest, Date.parse(manifest.createdAt)));
    } catch {
      // Missing or torn slot: not listed (resume falls back past it on its own).
    }
  }
  return out;
}
