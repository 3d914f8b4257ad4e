import { randomBytes } from 'node:crypto';
import { WorkerEvent, type WorkerCommand } from '../../shared/worker/protocol';
import type { WorkerSpawner } from '../worker/port';

type JobCommand = Extract<WorkerCommand, { type: 'evaluate' | 'predict' | 'export' | 'labels' }>;
export type WorkerJob = JobCommand extends infer C
  ? C extends { requestId: string }
    ? Omit<C, 'requestId'>
    : never
  : never;

export interface WorkerJobOptions {
  readonly spawn: WorkerSpawner;
  readonly workerEntry: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onProgress?: (done: number, total: number) => void;
}

export class WorkerJobError extends Error {
  override name = 'WorkerJobError';
}

/**
 * Runs one evaluate/predict/export in a short-lived worker process, so the main process never
 * blocks on tfjs and a training run in its own worker is left alone. Resolves with the
 * worker's `result.value` (to be validated by the caller).
 */
export function runWorkerJob(job: WorkerJob, options: WorkerJobOptions): Promise<unknown> {
  const requestId = `${job.type}-${randomBytes(4).toString('hex')}`;
  const port = options.spawn(options.workerEntry, options.env);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      port.send({ type: 'shutdown' });
    };
    port.onMessage((raw) => {
      const parsed = WorkerEvent.safeParse(raw);
      if (!parsed.success) return;
      const event = parsed.data;
      if (event.type === 'ready') {
        port.send({ ...job, requestId } as WorkerCommand);
      } else if (event.type === 'jobProgress' && event.requestId === requestId) {
        options.onProgress?.(event.done, event.total);
      } else if (event.type === 'result' && event.requestId === requestId) {
        if (event.ok) finish(() => resolve(event.value));
        else finish(() => reject(new WorkerJobError(event.error ?? `${job.type} failed`)));
      }
    });
    port.onExit((code, signal) => {
      finish(() =>
        reject(
          new WorkerJobError(
            `The ${job.type} process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`,
          ),
        ),
      );
    });
  });
}
