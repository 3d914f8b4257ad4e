/**
 * The sample viewer's per-class hide/show: the classes hidden (training indices, kept while
 * stepping through samples) and, while any is hidden, the ground-truth and prediction layers
 * drawn again in the browser from their index maps without them (object URLs, revoked when
 * replaced or unmounted). With nothing hidden the layers are the host's own renderings.
 */
import { onBeforeUnmount, reactive, shallowRef, watch, type Ref } from 'vue';
import type { ClassInfo } from '../../../shared/contracts/common';
import { colourTable } from '../editor/overlay';
import { nextHidden } from '../lib/class-visibility';
import { drawIndexMap, VOID_INDEX, type IndexMap } from '../lib/index-map';

export interface ClassVisibility {
  readonly hidden: ReadonlySet<number>;
  /** Drawn layers while classes are hidden; null: show the host's layer. */
  readonly urls: { gt: string | null; pred: string | null };
  /** A legend click: toggles `index`; `only` (alt/shift) shows just that class. */
  press(index: number, only: boolean): void;
  showAll(): void;
}

export function useClassVisibility(
  maps: { gt: Ref<IndexMap | null>; pred: Ref<IndexMap | null> },
  classes: () => ClassInfo[],
): ClassVisibility {
  const hidden = shallowRef<ReadonlySet<number>>(new Set());
  const urls = reactive<{ gt: string | null; pred: string | null }>({ gt: null, pred: null });
  let drawing = 0;

  function release(): void {
    for (const url of [urls.gt, urls.pred]) if (url) URL.revokeObjectURL(url);
    urls.gt = null;
    urls.pred = null;
  }

  async function redraw(): Promise<void> {
    const turn = ++drawing;
    if (!hidden.value.size) {
      release();
      return;
    }
    const trainable = classes().filter((c) => !c.void && c.index !== null);
    const lut = colourTable(
      [
        ...trainable.map((c) => ({ id: c.index!, color: c.color })),
        // Void stays black, as the host draws it.
        { id: VOID_INDEX, color: [0, 0, 0] as const },
      ],
      VOID_INDEX,
      hidden.value,
    );
    const draw = (map: IndexMap | null) => (map ? drawIndexMap(map, lut) : Promise.resolve(null));
    const [gt, pred] = await Promise.all([draw(maps.gt.value), draw(maps.pred.value)]);
    if (turn !== drawing) {
      for (const url of [gt, pred]) if (url) URL.revokeObjectURL(url);
      return;
    }
    release();
    urls.gt = gt;
    urls.pred = pred;
  }

  watch([hidden, maps.gt, maps.pred, classes], () => void redraw());
  onBeforeUnmount(() => {
    drawing++;
    release();
  });

  return {
    get hidden() {
      return hidden.value;
    },
    urls,
    press(index: number, only: boolean): void {
      const all = classes()
        .filter((c) => !c.void && c.index !== null)
        .map((c) => c.index!);
      hidden.value = nextHidden(hidden.value, index, all, only);
    },
    showAll(): void {
      hidden.value = new Set();
    },
  };
}
