import type { z } from 'zod';
import type { ContractMap, ServiceHandlers } from '../../shared/ipc/contract';
import { eventChannel, methodChannel } from '../../shared/ipc/contract';
import type { WireError } from '../../shared/ipc/transport';

export type HandlerMap<Cs extends ContractMap, Ctx> = {
  readonly [K in keyof Cs]: ServiceHandlers<Cs[K], Ctx>;
};

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/** Error whose message is meant for the user as is (bad input, missing file...). */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code = 'user_error',
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}

interface Route {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
  readonly call: (input: unknown, ctx: unknown) => unknown;
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.') || '(payload)';
      // zod's own wording ("Unrecognized key") names no remedy; a client needs the field.
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((k) => `"${k}"`).join(', ');
        return `${where}: unknown field ${names}: this request does not take it (check the spelling)`;
      }
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Transport-independent request routing: every host (ipcMain, WebSocket, tests) hands raw
 * channel + payload here, and the payload is validated against the contract before any
 * service code runs.
 */
export class Dispatcher<Ctx> {
  private readonly routes = new Map<string, Route>();

  constructor(contracts: ContractMap, handlers: HandlerMap<ContractMap, Ctx>) {
    for (const [key, contract] of Object.entries(contracts)) {
      const impl = handlers[key] as Record<string, (input: unknown, ctx: Ctx) => unknown>;
      if (!impl) throw new Error(`No handlers for service ${contract.service}`);
      for (const [name, spec] of Object.entries(contract.methods)) {
        const fn = impl[name];
        if (!fn) throw new Error(`No handler for ${contract.service}.${name}`);
        this.routes.set(methodChannel(contract.service, name), {
          input: spec.input,
          output: spec.output,
          call: (input, ctx) => fn.call(impl, input, ctx as Ctx),
        });
      }
    }
  }

  get channels(): string[] {
    return [...this.routes.keys()];
  }

  async dispatch(channel: string, payload: unknown, ctx: Ctx): Promise<DispatchResult> {
    const route = this.routes.get(channel);
    if (!route) return { ok: false, error: { code: 'unknown_channel', message: channel } };
    const parsed = route.input.safeParse(payload);
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_payload', message: describeZodError(parsed.error) },
      };
    }
    try {
      const value = await route.call(parsed.data, ctx);
      return { ok: true, value: route.output.parse(value) };
    } catch (err) {
      if (err instanceof UserFacingError) {
        return { ok: false, error: { code: err.code, message: err.message } };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { code: 'internal', message } };
    }
  }
}

export type EventSink = (channel: string, payload: unknown) => void;

/** Fan-out of service events to every connected renderer, validated against the contract. */
export class EventHub {
  private readonly sinks = new Set<EventSink>();

  addSink(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  emit<
    S extends { service: string; events: Record<string, z.ZodType> },
    K extends keyof S['events'] & string,
  >(contract: S, event: K, payload: z.input<S['events'][K]>): void {
    const schema = contract.events[event];
    if (!schema) throw new Error(`Unknown event ${contract.service}@${event}`);
    const value = schema.parse(payload);
    const channel = eventChannel(contract.service, event);
    for (const sink of this.sinks) sink(channel, value);
  }
}
