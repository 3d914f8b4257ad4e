import { parentPort } from 'node:worker_threads';
import type { ScanReply, ScanRequest } from '../dataset/decode-protocol';
import { scanMaskBlocking } from '../dataset/scan';

/**
 * A worker thread of the dataset decode pool: decodes annotation masks and counts their
 * values, so the pixel work of validation and class statistics stays off the main thread.
 */
if (!parentPort) throw new Error('decode-worker must run as a worker thread');
const port = parentPort;

port.on('message', (request: ScanRequest) => {
  scanMaskBlocking(request.file, request.encoding).then(
    (scan) => port.postMessage({ id: request.id, ok: true, scan } satisfies ScanReply),
    (err: unknown) =>
      port.postMessage({
        id: request.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies ScanReply),
  );
});
