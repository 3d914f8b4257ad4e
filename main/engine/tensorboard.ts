/**
 * TensorBoard scalars for a run, written by libtensorflow itself through tfjs-node's
 * `tf.node.summaryFileWriter` into `RUN/tensorboard/` (so `tensorboard --logdir runs/` lists
 * every run). Native backend only: the pure-JS backend has no summary ops, and runs there
 * simply have no TensorBoard files.
 *
 * tfjs-node keeps one writer per log directory for the life of the process (its own cache),
 * which holds its event file open; the training host runs each session in a new worker
 * process, so each session appends to a new event file after the trim below.
 */
import path from 'node:path';
import { backendInfo, getTf } from '../native/backend';
import { trimEventFiles } from './event-file';

/** Where a run's event files go. */
export const tensorboardDir = (runDir: string): string => path.join(runDir, 'tensorboard');

/** The part of a summary writer the training loop uses. */
export interface ScalarWriter {
  /** Queues one scalar point; `step` is the run's global step (an integer >= 1). */
  scalar(tag: string, value: number, step: number): void;
  /** Writes every queued point to the event file. */
  flush(): void;
}

interface SummaryFileWriterApi {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

interface TfNode {
  readonly node?: {
    summaryFileWriter(
      logdir: string,
      maxQueue?: number,
      flushMillis?: number,
    ): SummaryFileWriterApi;
  };
}

/**
 * Opens the run's TensorBoard writer for a session restored at `globalStep`: first drops from
 * the existing event files every point past that step (the steps a crash lost are trained
 * again, and must not show twice), then returns a writer that appends. Null on the pure-JS
 * backend.
 */
export async function openTensorBoard(
  runDir: string,
  globalStep: number,
): Promise<ScalarWriter | null> {
  if (!backendInfo().native) return null;
  const node = (getTf() as unknown as TfNode).node;
  if (!node) return null;
  const dir = tensorboardDir(runDir);
  await trimEventFiles(dir, globalStep);
  // Points are flushed by the loop (every few seconds, before checkpoints, on settle); the
  // queue and timer here only bound what a kill can lose in between.
  const writer = node.summaryFileWriter(dir, 100, 10_000);
  return {
    scalar: (tag, value, step) => writer.scalar(tag, value, step),
    flush: () => writer.flush(),
  };
}
