import { randomBytes } from 'node:crypto';
import { projectContract } from '../../shared/contracts/project';
import type { JobProgress } from '../../shared/contracts/common';
import type { EventHub } from '../ipc/dispatcher';

export interface JobReporter {
  readonly jobId: string;
  progress(done: number, total: number, message?: string): void;
  finish(message?: string): void;
  fail(message: string): void;
}

const MIN_INTERVAL_MS = 200;

/**
 * Pushes `project@job` progress for a long task: throttled to ~5 events/s, with an ETA from
 * the average rate so far (null until there is a rate to speak of).
 */
export function startJob(events: EventHub, kind: JobProgress['kind'], label: string): JobReporter {
  const jobId = `${kind}-${randomBytes(4).toString('hex')}`;
  const started = Date.now();
  let lastEmit = 0;
  let last = { done: 0, total: 0 };
  const emit = (state: JobProgress['state'], message?: string, etaSeconds: number | null = null) =>
    events.emit(projectContract, 'job', {
      jobId,
      kind,
      label,
      done: last.done,
      total: last.total,
      etaSeconds,
      state,
      ...(message !== undefined && { message }),
    });
  emit('running');
  return {
    jobId,
    progress(done, total, message) {
      last = { done, total };
      const now = Date.now();
      if (now - lastEmit < MIN_INTERVAL_MS && done < total) return;
      lastEmit = now;
      const elapsed = (now - started) / 1000;
      const eta = done > 0 && elapsed > 0.5 ? ((total - done) * elapsed) / done : null;
      emit('running', message, eta);
    },
    finish(message) {
      last = { done: last.total || last.done, total: last.total };
      emit('done', message, 0);
    },
    fail(message) {
      emit('failed', message);
    },
  };
}
