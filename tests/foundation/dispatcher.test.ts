import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContract, methodChannel } from '../../shared/ipc/contract';
import { createClient } from '../../shared/ipc/transport';
import { Dispatcher, EventHub, UserFacingError, type HandlerMap } from '../../main/ipc/dispatcher';

const demo = defineContract({
  service: 'demo',
  methods: {
    add: {
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
    },
    fail: { input: z.object({}), output: z.object({}) },
  },
  events: { tick: z.object({ n: z.number().int() }) },
});
const contracts = { demo } as const;

function makeDispatcher() {
  const handlers: HandlerMap<typeof contracts, { clientId: string }> = {
    demo: {
      add: ({ a, b }) => ({ sum: a + b }),
      fail: () => {
        throw new UserFacingError('File /x/y.png is not a PNG', 'bad_file');
      },
    },
  };
  return new Dispatcher<{ clientId: string }>(contracts, handlers);
}

describe('Dispatcher', () => {
  it('routes a valid call to its handler', async () => {
    const result = await makeDispatcher().dispatch(
      methodChannel('demo', 'add'),
      { a: 2, b: 3 },
      { clientId: 't' },
    );
    expect(result).toEqual({ ok: true, value: { sum: 5 } });
  });

  it('rejects payloads that do not match the contract before any handler runs', async () => {
    const result = await makeDispatcher().dispatch(
      'demo:add',
      { a: 'two', b: 3 },
      { clientId: 't' },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_payload');
      expect(result.error.message).toContain('a');
    }
  });

  it('refuses unknown channels', async () => {
    const result = await makeDispatcher().dispatch('demo:rm -rf', {}, { clientId: 't' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'unknown_channel', message: 'demo:rm -rf' },
    });
  });

  it('passes user-facing errors through with their code and message', async () => {
    const result = await makeDispatcher().dispatch('demo:fail', {}, { clientId: 't' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'bad_file', message: 'File /x/y.png is not a PNG' },
    });
  });

  it('refuses to build when a handler is missing', () => {
    expect(() => new Dispatcher(contracts, { demo: { add: () => ({ sum: 0 }) } } as never)).toThrow(
      /No handler for demo.fail/,
    );
  });
});

describe('client over a transport', () => {
  it('round-trips typed calls and validated events', async () => {
    const dispatcher = makeDispatcher();
    const hub = new EventHub();
    const listeners = new Map<string, (p: unknown) => void>();
    hub.addSink((channel, payload) => listeners.get(channel)?.(payload));
    const client = createClient(contracts, {
      invoke: async (channel, payload) => {
        const r = await dispatcher.dispatch(channel, payload, { clientId: 'c' });
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      },
      subscribe: (channel, listener) => {
        listeners.set(channel, listener);
        return () => listeners.delete(channel);
      },
    });
    await expect(client.demo.add({ a: 1, b: 41 })).resolves.toEqual({ sum: 42 });
    const seen: number[] = [];
    const off = client.demo.on('tick', (p) => seen.push(p.n));
    hub.emit(demo, 'tick', { n: 7 });
    off();
    hub.emit(demo, 'tick', { n: 8 });
    expect(seen).toEqual([7]);
    expect(() => hub.emit(demo, 'tick', { n: 1.5 })).toThrow();
  });
});
