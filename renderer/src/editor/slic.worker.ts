/** Computes SLIC superpixels off the UI thread: image in, labels and their pixel groups out. */
import { groupPixels, slic } from './raster/slic';

export interface SlicRequest {
  readonly seq: number;
  readonly rgba: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly size: number;
}

self.onmessage = (event: MessageEvent<SlicRequest>) => {
  const { seq, rgba, width, height, size } = event.data;
  const sp = slic(rgba, width, height, { size });
  const { start, order } = groupPixels(sp);
  const reply = { seq, labels: sp.labels, count: sp.count, start, order, width, height };
  (self as unknown as Worker).postMessage(reply, [sp.labels.buffer, start.buffer, order.buffer]);
};
