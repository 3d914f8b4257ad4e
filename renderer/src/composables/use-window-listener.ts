/**
 * Window events for as long as a component is mounted: the viewer's and the editor's keyboard
 * shortcuts, the editor's flush on pagehide. Call it during setup; the listeners are added on
 * mount and removed before unmount, so a page never leaves one behind.
 */
import { onBeforeUnmount, onMounted } from 'vue';

export function useWindowListener<K extends keyof WindowEventMap>(
  types: K | readonly K[],
  handler: (event: WindowEventMap[K]) => void,
): void {
  const list: readonly K[] = typeof types === 'string' ? [types] : types;
  onMounted(() => {
    for (const type of list) window.addEventListener(type, handler);
  });
  onBeforeUnmount(() => {
    for (const type of list) window.removeEventListener(type, handler);
  });
}
