/**
 * A worker thread of the dataset decode pool: decodes annotation masks and counts their
 * values, and decodes images to prove their pixels are readable, so the pixel work of
 * validation and class statistics stays off the main thread.
 */
import { parentPort } from 'node:worker_threads';
import type { ScanReply, ScanRequest } from '../dataset/decode-protocol';
import { checkImageInProcess, scanMaskBlocking, type MaskScan } from '../dataset/scan';

if (!parentPort) throw new Error('decode-worker must run as a worker thread');
const port = parentPort;

const work = async (request: ScanRequest): Promise<MaskScan> =>
  request.kind === 'image'
    ? { ...(await checkImageInProcess(request.file)), histogram: [] }
    : scanMaskBlocking(request.file, request.encoding);

port.on('message', (request: ScanRequest) => {
  work(request).then(
    (scan) => port.postMessage({ id: request.id, ok: true, scan } satisfies ScanReply),
    (err: unknown) =>
      port.postMessage({
        id: request.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies ScanReply),
  );
});
