/**
 * The split a run trains on (its settings' `trainSplit`; "train" until they are loaded or when
 * they cannot be read): the split a fine-tune of that run learns corrections from.
 */
import { ref, watch, type Ref } from 'vue';
import { api } from '../api';

export function useTrainSplit(runName: Readonly<Ref<string>>): Ref<string> {
  const trainSplit = ref('train');
  watch(
    runName,
    async (name) => {
      if (!name) return;
      const settings = await api.training.settings({ runName: name }).catch(() => null);
      if (name === runName.value) trainSplit.value = settings?.trainSplit ?? 'train';
    },
    { immediate: true },
  );
  return trainSplit;
}
