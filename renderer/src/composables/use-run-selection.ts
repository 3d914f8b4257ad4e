import { onMounted, ref, type Ref } from 'vue';
import { useRoute } from 'vue-router';
import type { CheckpointKind } from '../../../shared/contracts/common';
import { useProjectStore } from '../stores/project';
import { useTrainingStore } from '../stores/training';

export interface RunSelection {
  runName: Ref<string>;
  split: Ref<string>;
  from: Ref<CheckpointKind>;
}

/**
 * The run / split / checkpoint a view works on (Evaluate, Export). Once mounted it loads the
 * runs if needed and starts on the run and split the route names (`?run=&split=`, "back to
 * Evaluate" from a failure case), else the run selected in Train (else the first) and `val`
 * when the dataset has it (else its first split).
 */
export function useRunSelection(): RunSelection {
  const project = useProjectStore();
  const training = useTrainingStore();
  const query = useRoute().query;
  const runName = ref(typeof query.run === 'string' ? query.run : '');
  const split = ref(typeof query.split === 'string' ? query.split : 'val');
  const from = ref<CheckpointKind>('best');
  onMounted(async () => {
    if (!project.current) return;
    if (!training.runs.length) await training.load();
    if (!project.splitNames.includes(split.value)) split.value = project.splitNames[0] ?? 'val';
    runName.value ||= training.selectedRun ?? training.runs[0]?.runName ?? '';
  });
  return { runName, split, from };
}
