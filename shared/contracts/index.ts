import type { ClientOf } from '../ipc/contract';
import { datasetContract } from './dataset';
import { evaluationContract } from './evaluation';
import { labelsContract } from './labels';
import { projectContract } from './project';
import { systemContract } from './system';
import { trainingContract } from './training';

/** Every service the renderer may talk to. Hosts derive their channels from this map. */
export const contracts = {
  system: systemContract,
  project: projectContract,
  dataset: datasetContract,
  training: trainingContract,
  evaluation: evaluationContract,
  labels: labelsContract,
} as const;

export type Contracts = typeof contracts;
export type SegStudioApi = ClientOf<Contracts>;
