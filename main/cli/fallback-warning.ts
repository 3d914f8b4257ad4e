import { backendInfo, FALLBACK_BANNER } from '../native/backend';
import type { Output } from './framework';

/**
 * The loud line for the pure-JS fallback (10-50x slower). Loading the backend to find out costs
 * about a second, so only commands that use tfjs (or serve it) call this.
 */
export function warnIfFallback(out: Output): void {
  const info = backendInfo();
  if (!info.native) out.warn(`${FALLBACK_BANNER} ${info.fallbackReason ?? ''}`.trim());
}
