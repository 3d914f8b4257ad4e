import { defineStore } from 'pinia';
import { ref } from 'vue';
import { describeError, hintFor, isUnavailable } from '../lib/errors';

export interface Notice {
  readonly id: number;
  readonly level: 'info' | 'success' | 'warning' | 'error';
  /** What happened, e.g. "Could not open the dataset". */
  readonly title: string;
  readonly message?: string;
  /** What the user can do about it. */
  readonly hint?: string;
}

/** Toasts: every failed call lands here with what failed and what to do. */
export const useNoticeStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([]);
  let nextId = 1;

  function push(notice: Omit<Notice, 'id'>, ttlMs?: number): void {
    // The same failure repeated (e.g. a retried call) stays one toast.
    if (notices.value.some((n) => n.title === notice.title && n.message === notice.message)) return;
    const id = nextId++;
    notices.value = [...notices.value.slice(-4), { ...notice, id }];
    const ttl =
      ttlMs ?? (notice.level === 'error' ? 12_000 : notice.level === 'warning' ? 8_000 : 3_500);
    setTimeout(() => dismiss(id), ttl);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  /** `what` names the action that failed ("Opening the dataset"); `hint` overrides the default. */
  function error(what: string, err: unknown, hint?: string): void {
    const described = describeError(err);
    push({
      level: described.code === 'unavailable' ? 'warning' : 'error',
      title: `${what} failed`,
      message: described.message,
      hint:
        described.code === 'unavailable'
          ? hintFor('unavailable')
          : (hint ?? hintFor(described.code)),
    });
  }

  /**
   * A load that failed: the error toast, unless the service is not part of this build (then the
   * caller shows its own "not available" state). Returns whether it is unavailable.
   */
  function loadFailed(what: string, err: unknown): boolean {
    if (isUnavailable(err)) return true;
    error(what, err);
    return false;
  }

  function success(title: string, message?: string): void {
    push({ level: 'success', title, message });
  }

  return { notices, push, dismiss, error, loadFailed, success };
});
