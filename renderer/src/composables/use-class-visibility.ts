/**
 * The sample viewer's per-class hide/show: the classes hidden (training indices, kept while
 * stepping through samples) and, while any is hidden, the ground-truth and prediction layers
 * drawn again in the browser from their index maps without them (object URLs, revoked when
 * replaced or unmounted). With nothing hidden the layers are the host's own renderings; with
 * some hidden, a layer shows only what was drawn from the current sample's map, never the
 * host's unfiltered one (a new sample's layer stays empty until its map is drawn).
 */
import { onBeforeUnmount, shallowRef, watch, type Ref } from 'vue';
import type { ClassInfo } from '../../../shared/contracts/common';
import { colourTable } from '../editor/overlay';
import { nextHidden } from '../lib/class-visibility';
import { drawIndexMap, VOID_INDEX, type IndexMap } from '../lib/index-map';

type LayerKind = 'gt' | 'pred';
/** A layer drawn in the browser, and the index map it was drawn from. */
interface Drawn {
  readonly map: IndexMap;
  readonly url: string;
}

export interface ClassVisibility {
  readonly hidden: ReadonlySet<number>;
  /**
   * What a layer shows: `hostUrl` while nothing is hidden; else the layer drawn from the
   * current map without the hidden classes, or null while it is being drawn (show nothing).
   */
  layerUrl(kind: LayerKind, hostUrl: string): string | null;
  /** A legend click: toggles `index`; `only` (alt/shift) shows just that class. */
  press(index: number, only: boolean): void;
  showAll(): void;
}

export function useClassVisibility(
  maps: { gt: Ref<IndexMap | null>; pred: Ref<IndexMap | null> },
  classes: () => ClassInfo[],
): ClassVisibility {
  const hidden = shallowRef<ReadonlySet<number>>(new Set());
  const drawn = shallowRef<Record<LayerKind, Drawn | null>>({ gt: null, pred: null });
  let drawing = 0;

  function release(): void {
    for (const d of [drawn.value.gt, drawn.value.pred]) if (d) URL.revokeObjectURL(d.url);
    drawn.value = { gt: null, pred: null };
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
    const draw = async (map: IndexMap | null): Promise<Drawn | null> =>
      map ? { map, url: await drawIndexMap(map, lut) } : null;
    const [gt, pred] = await Promise.all([draw(maps.gt.value), draw(maps.pred.value)]);
    if (turn !== drawing) {
      for (const d of [gt, pred]) if (d) URL.revokeObjectURL(d.url);
      return;
    }
    release();
    drawn.value = { gt, pred };
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
    layerUrl(kind, hostUrl) {
      if (!hidden.value.size) return hostUrl;
      const d = drawn.value[kind];
      return d && d.map === maps[kind].value ? d.url : null;
    },
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
