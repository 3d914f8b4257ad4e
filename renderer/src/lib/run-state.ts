import type { TrainingState } from '../../../shared/contracts/training';

/** Chip tone and wording of a training state, shared by every place that shows one. */
export function stateTone(state: TrainingState): string {
  switch (state) {
    case 'running':
    case 'starting':
      return 'chip-accent';
    case 'paused':
    case 'pausing':
    case 'stopping':
      return 'chip-warn';
    case 'crashed':
      return 'chip-danger';
    case 'finished':
      return 'chip-ok';
    default:
      return '';
  }
}
