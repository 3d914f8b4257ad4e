/**
 * The content size of an element, kept current by a ResizeObserver from mount to unmount.
 * `onResize` runs after each change (e.g. to refit a zoomed view); until the first
 * observation the size is `initial`.
 */
import { onBeforeUnmount, onMounted, reactive, type Ref } from 'vue';

export interface ElementSize {
  width: number;
  height: number;
}

export function useElementSize(
  el: Ref<HTMLElement | null>,
  onResize?: () => void,
  initial: ElementSize = { width: 0, height: 0 },
): ElementSize {
  const size = reactive({ ...initial });
  let observer: ResizeObserver | null = null;
  onMounted(() => {
    if (!el.value) return;
    observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      size.width = entry.contentRect.width;
      size.height = entry.contentRect.height;
      onResize?.();
    });
    observer.observe(el.value);
  });
  onBeforeUnmount(() => observer?.disconnect());
  return size;
}
