/**
 * SLIC superpixels of the open image, computed in a Web Worker whenever the image or the
 * size slider changes; `ready` is null while a computation is in flight.
 */
import { onBeforeUnmount, shallowRef, watch, type Ref } from 'vue';
import type { Superpixels } from '../editor/raster/slic';

export interface SuperpixelIndex {
  readonly sp: Superpixels;
  readonly start: Int32Array;
  readonly order: Int32Array;
}

export function useSuperpixels(
  image: Ref<ImageData | null>,
  size: Ref<number>,
  enabled: Ref<boolean>,
) {
  const ready = shallowRef<SuperpixelIndex | null>(null);
  const busy = shallowRef(false);
  let worker: Worker | null = null;
  let seq = 0;

  function compute(): void {
    const img = image.value;
    ready.value = null;
    if (!img || !enabled.value) return;
    worker ??= new Worker(new URL('../editor/slic.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent) => {
      const d = event.data as {
        seq: number;
        labels: Int32Array;
        count: number;
        start: Int32Array;
        order: Int32Array;
        width: number;
        height: number;
      };
      if (d.seq !== seq) return;
      busy.value = false;
      ready.value = {
        sp: { width: d.width, height: d.height, labels: d.labels, count: d.count },
        start: d.start,
        order: d.order,
      };
    };
    busy.value = true;
    seq++;
    worker.postMessage({
      seq,
      rgba: img.data,
      width: img.width,
      height: img.height,
      size: size.value,
    });
  }

  watch([image, size, enabled], compute);
  onBeforeUnmount(() => worker?.terminate());
  return { ready, busy };
}
