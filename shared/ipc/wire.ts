import { z } from 'zod';

/** Result envelope of one call, identical over ipcMain and WebSocket. */
export const WireResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type WireResult = z.infer<typeof WireResult>;

/** Browser -> serve host. */
export const WsClientMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(128),
  payload: z.unknown(),
});
export type WsClientMessage = z.infer<typeof WsClientMessage>;

/** Serve host -> browser. */
export const WsServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), result: WireResult }),
  z.object({ type: z.literal('event'), channel: z.string(), payload: z.unknown() }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;

/** Globals a host installs before the renderer boots (preload or serve bridge). */
export interface HostDescriptor {
  readonly kind: 'electron' | 'serve';
  /** Prefix for media URLs (images, masks, thumbnails) served by the host. */
  readonly mediaBase: string;
}

export const WS_PATH = '/ws';
export const MEDIA_ROUTE = '/media/';
export const ELECTRON_MEDIA_SCHEME = 'segmedia';
