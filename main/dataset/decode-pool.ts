import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths';
import type { ScanReply, ScanRequest } from './decode-protocol';
import { scanMaskInProcess, type MaskScan, type MaskScanner } from './scan';

/**
 * A pool of decode-worker threads for the mask pass (validation `deep`, class statistics).
 * Each worker keeps a few requests in flight because its decoding is itself asynchronous
 * (file reads and inflate run on libuv's pool). When the worker bundle has not been built
 * (running from TS sources without `npm run build`), it falls back to in-process decoding.
 */
export interface DecodePool {
  readonly scan: MaskScanner;
  /** `workers` = number of threads, 0 when decoding in-process. */
  readonly workers: number;
  close(): Promise<void>;
}

interface Pending {
  resolve: (scan: MaskScan) => void;
  reject: (err: Error) => void;
}

export function decodeWorkerBundle(): string | null {
  const file = path.join(packageRoot(), 'out', 'main', 'decode-worker.cjs');
  return existsSync(file) ? file : null;
}

/** Below this many masks a pool costs more (thread start-up) than it saves. */
export const POOL_THRESHOLD = 64;

export function createDecodePool(
  options: { size?: number; bundle?: string | null } = {},
): DecodePool {
  const bundle = options.bundle === undefined ? decodeWorkerBundle() : options.bundle;
  const size = options.size ?? Math.max(1, Math.min(4, os.cpus().length));
  if (!bundle || size === 0) {
    return { scan: scanMaskInProcess, workers: 0, close: () => Promise.resolve() };
  }
  const pending = new Map<number, Pending>();
  const load = new Map<Worker, number>();
  let nextId = 0;
  let broken: Error | null = null;
  const workers = Array.from({ length: size }, () => {
    const worker = new Worker(bundle);
    worker.unref(); // never keep the process alive just for idle decoders
    load.set(worker, 0);
    worker.on('message', (reply: ScanReply) => {
      const task = pending.get(reply.id);
      if (!task) return;
      pending.delete(reply.id);
      load.set(worker, (load.get(worker) ?? 1) - 1);
      if (reply.ok) task.resolve(reply.scan);
      else task.reject(new Error(reply.message));
    });
    worker.on('error', (err) => {
      broken = err;
      for (const task of pending.values()) task.reject(err);
      pending.clear();
    });
    return worker;
  });

  const scan: MaskScanner = (file, encoding) => {
    if (broken) return scanMaskInProcess(file, encoding);
    // Least-loaded worker; ties go to the first.
    let target = workers[0]!;
    for (const w of workers) if ((load.get(w) ?? 0) < (load.get(target) ?? 0)) target = w;
    load.set(target, (load.get(target) ?? 0) + 1);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      target.postMessage({ id, file, encoding } satisfies ScanRequest);
    });
  };

  return {
    scan,
    workers: size,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
