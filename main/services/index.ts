import { contracts } from '../../shared/contracts/index';
import { Dispatcher, EventHub, type HandlerMap } from '../ipc/dispatcher';
import type { ServiceContext } from './context';
import type { HostAdapter } from './host';
import { pendingService } from './pending';
import { createSystemService } from './system';

export interface AppServices {
  readonly dispatcher: Dispatcher<ServiceContext>;
  readonly events: EventHub;
  dispose(): Promise<void>;
}

/** Builds every main-process service once; both hosts (Electron, serve) call this. */
export function createAppServices(host: HostAdapter): AppServices {
  const events = new EventHub();
  const handlers: HandlerMap<typeof contracts, ServiceContext> = {
    system: createSystemService(host),
    project: pendingService(contracts.project),
    dataset: pendingService(contracts.dataset),
    training: pendingService(contracts.training),
    evaluation: pendingService(contracts.evaluation),
  };
  const dispatcher = new Dispatcher<ServiceContext>(contracts, handlers);
  return { dispatcher, events, dispose: () => Promise.resolve() };
}
