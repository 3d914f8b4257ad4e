import { z } from 'zod';

/** Messages main -> training worker. Plain JSON data only. */
export const WorkerCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), nonce: z.string() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommand>;

/** Messages training worker -> main. */
export const WorkerEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number(), backend: z.string(), native: z.boolean() }),
  z.object({ type: z.literal('pong'), nonce: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type WorkerEvent = z.infer<typeof WorkerEvent>;
