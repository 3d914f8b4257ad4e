import type {
  ContractMap,
  ClientOf,
  ServiceClient,
  ServiceContract,
  Unsubscribe,
} from './contract';
import { eventChannel, methodChannel } from './contract';

/**
 * The minimum a host must provide to a renderer: invoke a channel, listen to a channel.
 * Electron's preload implements it over ipcRenderer, serve mode over a WebSocket.
 */
export interface RendererTransport {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  subscribe(channel: string, listener: (payload: unknown) => void): Unsubscribe;
}

/** Shape of a failed call as it crosses the boundary (Error objects do not survive it). */
export interface WireError {
  readonly code: string;
  readonly message: string;
}

export class RemoteError extends Error {
  readonly code: string;
  constructor(error: WireError) {
    super(error.message);
    this.name = 'RemoteError';
    this.code = error.code;
  }
}

function createServiceClient<C extends ServiceContract>(
  contract: C,
  transport: RendererTransport,
): ServiceClient<C> {
  const client: Record<string, unknown> = {
    on: (event: string, listener: (payload: unknown) => void) => {
      const schema = contract.events[event];
      if (!schema) throw new Error(`Unknown event ${contract.service}@${event}`);
      return transport.subscribe(eventChannel(contract.service, event), (raw) =>
        listener(schema.parse(raw)),
      );
    },
  };
  for (const [name, spec] of Object.entries(contract.methods)) {
    client[name] = async (input: unknown) => {
      const payload = spec.input.parse(input);
      const raw = await transport.invoke(methodChannel(contract.service, name), payload);
      return spec.output.parse(raw);
    };
  }
  return client as ServiceClient<C>;
}

export function createClient<Cs extends ContractMap>(
  contracts: Cs,
  transport: RendererTransport,
): ClientOf<Cs> {
  const out: Record<string, unknown> = {};
  for (const [key, contract] of Object.entries(contracts)) {
    out[key] = createServiceClient(contract, transport);
  }
  return out as ClientOf<Cs>;
}

/** Turns a wire result into a value or a thrown RemoteError. */
export function unwrapResult(result: unknown): unknown {
  const r = result as { ok?: boolean; value?: unknown; error?: WireError } | null;
  if (r && r.ok === true) return r.value;
  if (r && r.ok === false && r.error) throw new RemoteError(r.error);
  throw new RemoteError({ code: 'bad_response', message: 'Malformed response from host' });
}
