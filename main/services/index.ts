import { contracts } from '../../shared/contracts/index';
import { Dispatcher, EventHub, type HandlerMap } from '../ipc/dispatcher';
import { createMediaResolver, type MediaResolver } from '../media/resolve';
import type { ServiceContext } from './context';
import type { HostAdapter } from './host';
import { createProjectMediaProvider } from './media';
import { pendingService } from './pending';
import { createProjectSession, type ProjectSession } from './project-session';
import { createSystemService } from './system';

export interface AppServices {
  readonly dispatcher: Dispatcher<ServiceContext>;
  readonly events: EventHub;
  /** The open project; training/evaluation services read it, the project service sets it. */
  readonly session: ProjectSession;
  /** Resolves media paths (`sample/...`, `export/...`, `file/...`) for both hosts. */
  readonly media: MediaResolver;
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
  const media = createMediaResolver(
    createProjectMediaProvider(session, () => Promise.resolve(null)),
  );
  return { dispatcher, events, session, media, dispose: () => Promise.resolve() };
}
