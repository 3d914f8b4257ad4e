import type { ClientOf } from '../ipc/contract';
import { systemContract } from './system';

/** Every service the renderer may talk to. Hosts derive their channels from this map. */
export const contracts = {
  system: systemContract,
} as const;

export type Contracts = typeof contracts;
export type SegStudioApi = ClientOf<Contracts>;
