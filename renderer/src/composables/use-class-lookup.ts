/**
 * What the sample viewer reads under the cursor: the shown sample's ground-truth and
 * prediction index maps (its index PNGs), the class ids at the hovered point, that pixel, the
 * legend of the classes present, and why the lookup is unavailable (and the maps themselves,
 * for drawing the layers again with classes hidden). Call `clear()` when another
 * sample starts loading and `load(detail)` once it is shown; a load that finishes after the
 * sample changed again is dropped.
 */
import { computed, reactive, ref, shallowRef, type Ref } from 'vue';
import type { ClassInfo } from '../../../shared/contracts/common';
import type { SampleDetail } from '../../../shared/contracts/dataset';
import { mediaUrl } from '../api';
import { describeError } from '../lib/errors';
import { loadIndexMap, type IndexMap } from '../lib/index-map';

/** Where the cursor is, in 0..1 of the image's width and height, or null off the image. */
export type HoverPoint = { u: number; v: number } | null;

export interface ClassLookup {
  pixel: { x: number; y: number } | null;
  gtValue: number | null;
  predValue: number | null;
  /** Classes present in the ground truth or prediction; all classes until the maps load. */
  legend: ClassInfo[];
  error: string | null;
}

export function useClassLookup(
  detail: Ref<SampleDetail | null>,
  hover: Ref<HoverPoint>,
  classes: () => ClassInfo[],
): {
  lookup: ClassLookup;
  /** The shown sample's index maps (null until loaded, or when it has none). */
  maps: { gt: Ref<IndexMap | null>; pred: Ref<IndexMap | null> };
  load(d: SampleDetail): Promise<void>;
  clear(): void;
} {
  const gtMap = shallowRef<IndexMap | null>(null);
  const predMap = shallowRef<IndexMap | null>(null);
  const error = ref<string | null>(null);

  function clear(): void {
    gtMap.value = null;
    predMap.value = null;
    error.value = null;
  }

  async function load(d: SampleDetail): Promise<void> {
    const maps = await Promise.allSettled([
      d.media.gtIndex ? loadIndexMap(mediaUrl(d.media.gtIndex)) : Promise.resolve(null),
      d.media.predIndex ? loadIndexMap(mediaUrl(d.media.predIndex)) : Promise.resolve(null),
    ]);
    if (detail.value !== d) return;
    const [gt, pred] = maps;
    gtMap.value = gt?.status === 'fulfilled' ? gt.value : null;
    predMap.value = pred?.status === 'fulfilled' ? pred.value : null;
    const failed = maps.find((m) => m.status === 'rejected');
    if (failed && failed.status === 'rejected')
      error.value = `Class lookup unavailable: ${describeError(failed.reason).message}`;
  }

  const valueAt = (map: IndexMap | null): number | null =>
    hover.value && map ? map.valueAt(hover.value.u, hover.value.v) : null;

  const lookup = reactive({
    pixel: computed(() => {
      const d = detail.value;
      const h = hover.value;
      if (!d || !h || h.u < 0 || h.v < 0 || h.u >= 1 || h.v >= 1 || !d.width || !d.height)
        return null;
      return { x: Math.floor(h.u * d.width), y: Math.floor(h.v * d.height) };
    }),
    gtValue: computed(() => valueAt(gtMap.value)),
    predValue: computed(() => valueAt(predMap.value)),
    legend: computed(() => {
      const all = classes().filter((c) => !c.void && c.index !== null);
      const maps = [gtMap.value, predMap.value].filter((m): m is IndexMap => m !== null);
      if (!maps.length) return all;
      return all.filter((c) => maps.some((m) => m.present.has(c.index!)));
    }),
    error,
  });
  return { lookup, maps: { gt: gtMap, pred: predMap }, load, clear };
}
