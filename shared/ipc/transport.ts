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
 * Electron's preload implements it over ipcRenderer, serve mode over a WebSocket (tests, in
 * process, over the dispatcher). The renderer never uses it directly: `createClient` wraps it,
 * validating every payload both ways against the contracts.
 */
export interface RendererTransport {
  /**
   * Calls a service method (`service:method`) with an already validated payload. May be
   * called at any time, concurrently; calls made before the connection is up wait for it.
   * Resolves with the raw value (the client parses it with the method's output schema);
   * rejects with a RemoteError carrying the service's code and message, or with an Error when
   * the channel is not allowed or the connection is lost while the call is pending.
   */
  invoke(channel: string, payload: unknown): Promise<unknown>;
  /**
   * Listens to a service event (`service@event`). The listener fires once per event, in the
   * order the main process emitted them, from the moment of subscribing on (no replay: load
   * current state with a method call after subscribing), and with a raw payload that the
   * client parses before any store sees it. Serve mode keeps listeners across reconnects.
   * Call the returned function to stop listening; it may be called more than once.
   */
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
