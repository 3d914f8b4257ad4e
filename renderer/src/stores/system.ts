import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../shared/contracts/system';
import { api, hostInfo } from '../api';
import { describeError } from '../lib/errors';
import { useNoticeStore } from './notices';

export const useSystemStore = defineStore('system', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);
  const hostKind = hostInfo.kind;
  const notices = useNoticeStore();

  api.system.on('notice', (notice) => notices.push({ level: notice.level, title: notice.message }));

  async function load(): Promise<void> {
    try {
      info.value = await api.system.info({});
      error.value = null;
    } catch (err) {
      error.value = describeError(err).message;
    }
  }

  /** Native dialog in Electron; null in serve mode, where the UI falls back to a typed path. */
  async function pickPath(
    kind: 'directory' | 'file' | 'save',
    title: string,
    defaultPath?: string,
  ): Promise<string | null> {
    try {
      return await api.system.pickPath({ kind, title, defaultPath });
    } catch (err) {
      notices.error('Opening the file dialog', err, 'Type the path into the field instead.');
      return null;
    }
  }

  return { info, error, hostKind, load, pickPath };
});
