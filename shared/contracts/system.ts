import { z } from 'zod';
import { defineContract } from '../ipc/contract';

export const BackendInfo = z.object({
  /** `tensorflow` when libtensorflow is loaded, `cpu` on the slow pure-JS fallback. */
  backend: z.string(),
  native: z.boolean(),
  tfjsVersion: z.string(),
  libtensorflowVersion: z.string().nullable(),
  /** Why the native backend is not in use, for the UI banner; null when it is. */
  fallbackReason: z.string().nullable(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const AppInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'serve']),
  platform: z.string(),
  backend: BackendInfo,
});
export type AppInfo = z.infer<typeof AppInfo>;

export const systemContract = defineContract({
  service: 'system',
  methods: {
    ping: {
      input: z.object({ nonce: z.string().max(64) }),
      output: z.object({ nonce: z.string(), at: z.number() }),
    },
    info: { input: z.object({}), output: AppInfo },
    /** Native folder/file dialog in Electron; null in serve mode (the UI asks for a path). */
    pickPath: {
      input: z.object({
        kind: z.enum(['directory', 'file', 'save']),
        title: z.string().max(200),
        defaultPath: z.string().max(4096).optional(),
      }),
      output: z.string().nullable(),
    },
  },
  events: {
    notice: z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  },
});
