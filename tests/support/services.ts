import { createPinia, setActivePinia } from 'pinia';
import type { AppServices } from '../../main/services/index';
import { unwrapResult, type RendererTransport } from '../../shared/ipc/transport';

type ServiceError = Extract<
  Awaited<ReturnType<AppServices['dispatcher']['dispatch']>>,
  { ok: false }
>['error'];

/**
 * `call` / `callError` for tests that drive the real services through their dispatcher, as the
 * UI does. `services` is a getter because tests create them in beforeAll.
 */
export function serviceCalls(services: () => AppServices) {
  async function call<T>(channel: string, payload: unknown = {}): Promise<T> {
    const result = await services().dispatcher.dispatch(channel, payload, { clientId: 'test' });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
    return result.value as T;
  }
  async function callError(channel: string, payload: unknown = {}): Promise<ServiceError> {
    const result = await services().dispatcher.dispatch(channel, payload, { clientId: 'test' });
    if (result.ok) throw new Error(`${channel} unexpectedly succeeded`);
    return result.error;
  }
  return { call, callError };
}

/**
 * Points the renderer's stores at `services` in this process: the transport the preload bridge
 * gives the page (invoke = dispatch, subscribe = the event sinks), a serve-mode host, and a
 * fresh active Pinia. Call in beforeAll after creating the services.
 */
export function connectStoresTo(services: AppServices): void {
  const transport: RendererTransport = {
    invoke: async (channel, payload) =>
      unwrapResult(await services.dispatcher.dispatch(channel, payload, { clientId: 'store' })),
    subscribe: (channel, listener) =>
      services.events.addSink((c, payload) => {
        if (c === channel) listener(payload);
      }),
  };
  Object.assign(globalThis, {
    window: { segstudioTransport: transport, segstudioHost: { kind: 'serve', mediaBase: '/m/' } },
  });
  setActivePinia(createPinia());
}
