import { contracts } from '../../shared/contracts/index';
import { Dispatcher, EventHub, type HandlerMap } from '../ipc/dispatcher';
import { createMediaResolver, type MediaResolver } from '../media/resolve';
import type { ServiceContext } from './context';
import type { HostAdapter } from './host';
import { createDatasetService } from './dataset';
import { createEvaluationService } from './evaluation';
import { createLabelsService } from './labels';
import { createProjectMediaProvider } from './media';
import { createProjectService } from './project';
import { createProjectSession, type ProjectSession } from './project-session';
import { createSystemService } from './system';
import { createTrainingService } from './training';
import { Workspace } from './workspace';

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
  const workspace = new Workspace(host, events, session);
  const dataset = createDatasetService(workspace);
  const workers = { session, events, ...(host.spawnWorker && { spawnWorker: host.spawnWorker }) };
  const training = createTrainingService(workers);
  const handlers: HandlerMap<typeof contracts, ServiceContext> = {
    system: createSystemService(host),
    project: createProjectService(workspace),
    dataset: dataset.handlers,
    training: training.handlers,
    evaluation: createEvaluationService(workers),
    labels: createLabelsService(workspace),
  };
  const dispatcher = new Dispatcher<ServiceContext>(contracts, handlers);
  const media = createMediaResolver(createProjectMediaProvider(session, dataset.sampleLayer));
  // Closing the app pauses a running training (with a checkpoint) before the worker exits.
  return { dispatcher, events, session, media, dispose: () => training.dispose() };
}
