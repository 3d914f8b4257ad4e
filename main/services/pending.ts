import type { ServiceContract, ServiceHandlers } from '../../shared/ipc/contract';
import { UserFacingError } from '../ipc/dispatcher';

/**
 * Temporary handlers for a contract whose service has not landed yet: every call fails with
 * a clear message. Used only while the services are being built; nothing ships with it.
 */
export function pendingService<C extends ServiceContract, Ctx>(
  contract: C,
): ServiceHandlers<C, Ctx> {
  const handlers: Record<string, () => never> = {};
  for (const name of Object.keys(contract.methods)) {
    handlers[name] = () => {
      throw new UserFacingError(
        `${contract.service}.${name} is not available in this build`,
        'unavailable',
      );
    };
  }
  return handlers as ServiceHandlers<C, Ctx>;
}
