import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../../shared/contracts/system';
import { api } from '../api';

export const useSystemStore = defineStore('system', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      info.value = await api.system.info({});
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  return { info, error, load };
});
