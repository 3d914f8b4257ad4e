import { contracts } from '../../shared/contracts/index';
import { Dispatcher, EventHub, type HandlerMap } from '../ipc/dispatcher';
import type { ServiceContext } from './context';
import type { HostAdapter } from './host';
import { pendingService } from './pending';
import { createProjectSession, type ProjectSession } from './project-session';
import { createSystemService } from './system';

export interface AppServices {
  readonly dispatcher: Dispatcher<ServiceContext>;
  readonly events: EventHub;
  /** The open project; training/evaluation services read it, the project service sets it. */
  readonly session: ProjectSession;
  dispose(): Promise<void>;
}

/** Builds every main-process service once; both hosts (Electron, serve) call this. */
export function createAppServices(host: HostAdapter): AppServices {
  const events = new EventHub();
  const session = createProjectSession();
  const handlers: HandlerMap<typeof contracts, ServiceContext> = {
    system: createSystemService(host),
    project: pendingService(contracts.project),
    dataset: pendingService(contracts.dataset),
    training: pendingService(contracts.training),
    evaluation: pendingService(contracts.evaluation),
  };
  const dispatcher = new Dispatcher<ServiceContext>(contracts, handlers);
  return { dispatcher, events, session, dispose: () => Promise.resolve() };
}
