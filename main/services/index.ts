import { contracts } from '../../shared/contracts/index';
import { Dispatcher, EventHub, type HandlerMap } from '../ipc/dispatcher';
import type { ServiceContext } from './context';
import { createSystemService } from './system';

export interface AppServices {
  readonly dispatcher: Dispatcher<ServiceContext>;
  readonly events: EventHub;
  dispose(): Promise<void>;
}

export interface AppServicesOptions {
  readonly host: 'electron' | 'serve';
}

/** Builds every main-process service once; both hosts (Electron, serve) call this. */
export function createAppServices(options: AppServicesOptions): AppServices {
  const events = new EventHub();
  const handlers: HandlerMap<typeof contracts, ServiceContext> = {
    system: createSystemService(options.host),
  };
  const dispatcher = new Dispatcher<ServiceContext>(contracts, handlers);
  return { dispatcher, events, dispose: () => Promise.resolve() };
}
