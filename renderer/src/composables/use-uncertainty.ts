/**
 * The uncertainty overlay's data: while `enabled`, the per-pixel entropy of `run`'s prediction
 * for the open sample (labels.uncertainty, computed by a worker on the host), decoded once per
 * sample and run and kept for the few samples seen last, so toggling or walking back is free.
 */
import { ref, shallowRef, watch, type Ref } from 'vue';
import type { UncertaintyMap } from '../../../shared/contracts/labels';
import { api } from '../api';
import { fromBase64 } from '../editor/wire';
import { describeError } from '../lib/errors';

export interface EntropyImage {
  readonly width: number;
  readonly height: number;
  /** One byte per model pixel: 0 = certain, 255 = a uniform softmax. */
  readonly values: Uint8Array;
  readonly meanEntropy: number;
  readonly maxEntropy: number;
}

const KEPT = 8;

export function useUncertainty(
  key: Ref<{ split: string; id: string } | null>,
  run: Ref<string | undefined>,
  enabled: Ref<boolean>,
) {
  const map = shallowRef<EntropyImage | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);
  const cache = new Map<string, EntropyImage>();
  let generation = 0;

  const decode = (m: UncertaintyMap): EntropyImage => ({
    width: m.width,
    height: m.height,
    values: fromBase64(m.data),
    meanEntropy: m.meanEntropy,
    maxEntropy: m.maxEntropy,
  });

  async function refresh(): Promise<void> {
    const gen = ++generation;
    const k = key.value;
    const r = run.value;
    error.value = null;
    if (!enabled.value || !k || !r) {
      map.value = null;
      busy.value = false;
      return;
    }
    const id = `${r}\u0000${k.split}\u0000${k.id}`;
    const known = cache.get(id);
    if (known) {
      map.value = known;
      return;
    }
    map.value = null;
    busy.value = true;
    try {
      const next = decode(await api.labels.uncertainty({ ...k, run: r }));
      if (cache.size >= KEPT) cache.delete(cache.keys().next().value!);
      cache.set(id, next);
      if (gen === generation) map.value = next;
    } catch (err) {
      if (gen === generation) error.value = describeError(err).message;
    } finally {
      if (gen === generation) busy.value = false;
    }
  }

  watch(() => [key.value?.split, key.value?.id, run.value, enabled.value], refresh);
  return { map, busy, error };
}
