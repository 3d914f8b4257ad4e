/**
 * The real services as tests drive them: dispatcher calls, the renderer's stores wired to them
 * in this process, and a ready service fixture on a mini CamVid copy.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { createServeHost } from '../../main/serve/host';
import type { HostAdapter } from '../../main/services/host';
import { createAppServices, type AppServices } from '../../main/services/index';
import type { RunSummary } from '../../shared/contracts/training';
import { unwrapResult, type RendererTransport } from '../../shared/ipc/transport';
import { watch } from 'vue';
import { makeMiniCamvid } from './datasets';
import { tempDir } from './folders';

type ServiceError = Extract<
  Awaited<ReturnType<AppServices['dispatcher']['dispatch']>>,
  { ok: false }
>['error'];

/**
 * `call` / `callError` for tests that drive the real services through their dispatcher, as the
 * UI does. `services` is a getter because tests create them in beforeAll.
 */
export function serviceCalls(services: () => AppServices) {
  async function call<T>(channel: string, payload: unknown = {}): Promise<T> {
    const result = await services().dispatcher.dispatch(channel, payload, { clientId: 'test' });
    if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
    return result.value as T;
  }
  async function callError(channel: string, payload: unknown = {}): Promise<ServiceError> {
    const result = await services().dispatcher.dispatch(channel, payload, { clientId: 'test' });
    if (result.ok) throw new Error(`${channel} unexpectedly succeeded`);
    return result.error;
  }
  return { call, callError };
}

/**
 * Points the renderer's stores at `services` in this process: the transport the preload bridge
 * gives the page (invoke = dispatch, subscribe = the event sinks), a serve-mode host, and a
 * fresh active Pinia. Call in beforeAll after creating the services.
 */
export function connectStoresTo(services: AppServices): void {
  const transport: RendererTransport = {
    invoke: async (channel, payload) =>
      unwrapResult(await services.dispatcher.dispatch(channel, payload, { clientId: 'store' })),
    subscribe: (channel, listener) =>
      services.events.addSink((c, payload) => {
        if (c === channel) listener(payload);
      }),
  };
  Object.assign(globalThis, {
    window: { segstudioTransport: transport, segstudioHost: { kind: 'serve', mediaBase: '/m/' } },
  });
  setActivePinia(createPinia());
}

/** Resolves once a store `condition` holds (checked now and on every change of what it reads). */
export function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stop = watch(
      condition,
      (ok) => {
        if (!ok) return;
        queueMicrotask(() => stop());
        resolve();
      },
      { immediate: true },
    );
  });
}

/** One event the services sent to their sinks (the UI's subscriptions), in arrival order. */
export interface SentEvent {
  channel: string;
  payload: unknown;
}

/**
 * Real services (serve host, real worker processes) in a fresh temp folder on a mini CamVid
 * copy: what the service tests drive as the UI does. Create it in beforeAll, `dispose` in
 * afterAll.
 */
export interface MiniCamvidServices {
  /** The temp folder: the host's `data/`, the project and whatever the test adds. */
  readonly base: string;
  /** The mini CamVid copy (the test may change it before `openDataset`). */
  readonly dataset: string;
  readonly services: AppServices;
  /** Every event sent so far, in order; a test may empty it to watch only what follows. */
  readonly events: SentEvent[];
  /** `serviceCalls` of these services. */
  readonly call: ReturnType<typeof serviceCalls>['call'];
  readonly callError: ReturnType<typeof serviceCalls>['callError'];
  /** The `training@state` states sent so far, in order. */
  states(): string[];
  /** Resolves once an event passing `test` has been sent (already, or later). */
  eventually(test: (channel: string, payload: unknown) => boolean): Promise<void>;
  /** Opens the dataset with its project in `base/project`, as the Open dataset form does. */
  openDataset(): Promise<void>;
  /** Resolves once the first run has finished; rejects when it stopped or crashed instead. */
  runFinished(): Promise<void>;
  /** Trains `runName` at 64x64, batch 2, one epoch (plus `config`) and waits for `runFinished`. */
  trainTinyRun(runName: string, config?: Record<string, unknown>): Promise<void>;
  /** Ends the workers and removes both folders. */
  dispose(): Promise<void>;
}

export function startMiniCamvidServices(
  name: string,
  counts: { train: number; val: number },
  host: Partial<HostAdapter> = {},
): MiniCamvidServices {
  const base = tempDir(name).dir;
  const dataset = makeMiniCamvid(counts);
  const services = createAppServices({ ...createServeHost(path.join(base, 'data')), ...host });
  const events: SentEvent[] = [];
  const waiters: { test: (channel: string, payload: unknown) => boolean; resolve: () => void }[] =
    [];
  services.events.addSink((channel, payload) => {
    events.push({ channel, payload });
    for (const w of [...waiters]) {
      if (!w.test(channel, payload)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const states = () =>
    events
      .filter((e) => e.channel === 'training@state')
      .map((e) => (e.payload as RunSummary).state);
  const eventually = (test: (channel: string, payload: unknown) => boolean) =>
    events.some((e) => test(e.channel, e.payload))
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  const { call, callError } = serviceCalls(() => services);
  const runFinished = async (): Promise<void> => {
    const ends = ['finished', 'stopped', 'crashed'];
    await eventually((c, p) => c === 'training@state' && ends.includes((p as RunSummary).state));
    const end = states().find((s) => ends.includes(s));
    if (end !== 'finished') throw new Error(`the run ended ${end ?? 'unknown'}, not finished`);
  };
  return {
    base,
    dataset,
    services,
    events,
    call,
    callError,
    states,
    eventually,
    openDataset: async () => {
      await call('project:openDataset', {
        datasetDir: dataset,
        projectDir: path.join(base, 'project'),
      });
    },
    runFinished,
    trainTinyRun: async (runName, config = {}) => {
      await call('training:start', {
        runName,
        width: 64,
        height: 64,
        batch: 2,
        epochs: 1,
        ...config,
      });
      await runFinished();
    },
    dispose: async () => {
      await services.dispose();
      rmSync(base, { recursive: true, force: true });
      rmSync(dataset, { recursive: true, force: true });
    },
  };
}
