import type { AppServices } from '../../main/services/index';

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
