import type { z } from 'zod';

/**
 * A service contract is the single source of truth for one main-process service: its
 * request/response methods and the events it pushes. The Electron preload bridge, the ipcMain
 * handlers and the serve-mode WebSocket adapter are all derived from these objects, so a
 * channel name never appears as a loose string anywhere else.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}

export interface ServiceContract<
  M extends Record<string, MethodSpec> = Record<string, MethodSpec>,
  E extends Record<string, z.ZodType> = Record<string, z.ZodType>,
> {
  readonly service: string;
  readonly methods: M;
  readonly events: E;
}

export function defineContract<
  const S extends string,
  M extends Record<string, MethodSpec>,
  E extends Record<string, z.ZodType>,
>(contract: { service: S; methods: M; events: E }): ServiceContract<M, E> & { service: S } {
  return contract;
}

export function methodChannel(service: string, method: string): string {
  return `${service}:${method}`;
}

export function eventChannel(service: string, event: string): string {
  return `${service}@${event}`;
}

export type MethodInput<C extends ServiceContract, K extends keyof C['methods']> = z.input<
  C['methods'][K]['input']
>;
export type MethodOutput<C extends ServiceContract, K extends keyof C['methods']> = z.output<
  C['methods'][K]['output']
>;
export type EventPayload<C extends ServiceContract, K extends keyof C['events']> = z.output<
  C['events'][K]
>;

export type Unsubscribe = () => void;

/** What a renderer sees for one service: typed async methods plus `on(event, listener)`. */
export type ServiceClient<C extends ServiceContract> = {
  readonly [K in keyof C['methods']]: (input: MethodInput<C, K>) => Promise<MethodOutput<C, K>>;
} & {
  on<K extends keyof C['events'] & string>(
    event: K,
    listener: (payload: EventPayload<C, K>) => void,
  ): Unsubscribe;
};

/** What main implements for one service. Inputs arrive already validated. */
export type ServiceHandlers<C extends ServiceContract, Ctx = void> = {
  readonly [K in keyof C['methods']]: (
    input: z.output<C['methods'][K]['input']>,
    ctx: Ctx,
  ) => Promise<z.input<C['methods'][K]['output']>> | z.input<C['methods'][K]['output']>;
};

export type ContractMap = Readonly<Record<string, ServiceContract>>;

export type ClientOf<Cs extends ContractMap> = { readonly [K in keyof Cs]: ServiceClient<Cs[K]> };

/** Every method and event channel of a contract map, for allowlists in preload and hosts. */
export function channelsOf(contracts: ContractMap): { methods: Set<string>; events: Set<string> } {
  const methods = new Set<string>();
  const events = new Set<string>();
  for (const contract of Object.values(contracts)) {
    for (const name of Object.keys(contract.methods))
      methods.add(methodChannel(contract.service, name));
    for (const name of Object.keys(contract.events))
      events.add(eventChannel(contract.service, name));
  }
  return { methods, events };
}
