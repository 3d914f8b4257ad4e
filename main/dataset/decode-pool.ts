import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths';
import type { MaskEncoding } from '../../shared/dataset/descriptor';
import type { ScanReply, ScanRequest } from './decode-protocol';
import {
  checkImageInProcess,
  scanMaskInProcess,
  type ImageChecker,
  type MaskScan,
  type MaskScanner,
} from './scan';

/**
 * A pool of decode-worker threads for the mask pass (validation `deep`, class statistics).
 * Each worker keeps a few requests in flight because its decoding is itself asynchronous
 * (file reads and inflate run on libuv's pool). When the worker bundle has not been built
 * (running from TS sources without `npm run build`), it falls back to in-process decoding.
 */
export interface DecodePool {
  /** Decodes a mask and counts its values; rejects with what is wrong with the file. */
  readonly scan: MaskScanner;
  /** Decodes an image fully (as training will); rejects with what is wrong with the file. */
  readonly checkImage: ImageChecker;
  /** `workers` = number of threads, 0 when decoding in-process. */
  readonly workers: number;
  close(): Promise<void>;
}

interface Pending {
  readonly worker: Worker;
  readonly request: ScanRequest;
  readonly resolve: (scan: MaskScan) => void;
  readonly reject: (err: Error) => void;
}

export function decodeWorkerBundle(): string | null {
  const file = path.join(packageRoot(), 'out', 'main', 'decode-worker.cjs');
  return existsSync(file) ? file : null;
}

async function inProcess(request: ScanRequest): Promise<MaskScan> {
  return request.kind === 'image'
    ? { ...(await checkImageInProcess(request.file)), histogram: [] }
    : scanMaskInProcess(request.file, request.encoding);
}

/** Below this many masks a pool costs more (thread start-up) than it saves. */
export const POOL_THRESHOLD = 64;

export function createDecodePool(
  options: { size?: number; bundle?: string | null } = {},
): DecodePool {
  const bundle = options.bundle === undefined ? decodeWorkerBundle() : options.bundle;
  const size = options.size ?? Math.max(1, Math.min(4, os.cpus().length));
  if (!bundle || size === 0) {
    return {
      scan: scanMaskInProcess,
      checkImage: checkImageInProcess,
      workers: 0,
      close: () => Promise.resolve(),
    };
  }
  const pending = new Map<number, Pending>();
  const load = new Map<Worker, number>();
  let nextId = 0;

  // A worker that dies (crash, or a host that cannot start workers) must not turn its masks
  // into "corrupt file" reports: its tasks are redone in-process and it leaves the rotation.
  const retire = (worker: Worker): void => {
    if (!load.delete(worker)) return;
    for (const [id, task] of pending) {
      if (task.worker !== worker) continue;
      pending.delete(id);
      inProcess(task.request).then(task.resolve, task.reject);
    }
  };

  const spawn = (file: string): Worker | null => {
    let worker: Worker;
    try {
      worker = new Worker(file);
    } catch {
      return null;
    }
    worker.unref(); // never keep the process alive just for idle decoders
    load.set(worker, 0);
    worker.on('message', (reply: ScanReply) => {
      const task = pending.get(reply.id);
      if (!task) return;
      pending.delete(reply.id);
      load.set(worker, Math.max(0, (load.get(worker) ?? 1) - 1));
      if (reply.ok) task.resolve(reply.scan);
      else task.reject(new Error(reply.message));
    });
    worker.on('error', () => retire(worker));
    worker.on('exit', () => retire(worker));
    return worker;
  };
  const workers = Array.from({ length: size }, () => spawn(bundle)).filter(
    (w): w is Worker => w !== null,
  );

  const submit = (file: string, kind: ScanRequest['kind'], encoding: MaskEncoding) => {
    const request: ScanRequest = { id: nextId++, file, kind, encoding };
    // Least-loaded live worker; none left means in-process.
    let target: Worker | undefined;
    for (const [w, n] of load) if (target === undefined || n < load.get(target)!) target = w;
    if (!target) return inProcess(request);
    const worker = target;
    load.set(worker, load.get(worker)! + 1);
    return new Promise<MaskScan>((resolve, reject) => {
      pending.set(request.id, { worker, request, resolve, reject });
      worker.postMessage(request);
    });
  };

  return {
    scan: (file, encoding) => submit(file, 'mask', encoding),
    checkImage: (file) =>
      submit(file, 'image', 'index').then(({ width, height }) => ({ width, height })),
    workers: workers.length,
    async close() {
      for (const w of workers) load.delete(w); // a terminated worker's exit is not a crash
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
