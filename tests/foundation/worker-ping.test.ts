import { describe, expect, it, beforeAll } from 'vitest';
import { builtEntry } from '../../main/paths';
import { forkNodeWorker } from '../../main/worker/port';
import { ensureBuilt } from '../support/build';

describe('training worker process', () => {
  beforeAll(() => ensureBuilt());

  it('starts, reports its backend and answers a ping over the protocol', async () => {
    const port = forkNodeWorker(builtEntry('training-worker'));
    const messages: Array<{ type: string; [k: string]: unknown }> = [];
    const pong = new Promise<void>((resolve) => {
      port.onMessage((m) => {
        const msg = m as { type: string };
        messages.push(msg);
        if (msg.type === 'ready') port.send({ type: 'ping', nonce: 'n-1' });
        if (msg.type === 'pong') resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => port.onExit((code) => resolve(code)));
    await pong;
    port.send({ type: 'shutdown' });
    expect(await exited).toBe(0);
    expect(messages.find((m) => m.type === 'ready')).toMatchObject({ backend: expect.any(String) });
    expect(messages.find((m) => m.type === 'pong')).toMatchObject({ nonce: 'n-1' });
  });
});
