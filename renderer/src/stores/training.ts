import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { CheckpointKind } from '../../../shared/contracts/common';
import type {
  CheckpointInfo,
  EpochMetrics,
  LastStepNumbers,
  Preset,
  RunSettings,
  RunSummary,
  StepProgress,
  TrainRequest,
} from '../../../shared/contracts/training';
import { isLiveState, type RunAction } from '../../../shared/training/state';
import { api } from '../api';
import { useNoticeStore } from './notices';

export interface PresetDefaults {
  readonly preset: Preset;
  readonly description: string;
  readonly defaults: Required<
    Omit<TrainRequest, 'runName' | 'stopAfterSteps' | 'timeBudgetSeconds'>
  >;
  /** The open dataset's typical image size (the default size follows it), or null. */
  readonly imageSize: { readonly width: number; readonly height: number } | null;
}

/** A warning a run reported while it went on (no val split, crash restart, checkpoint fallback). */
export interface RunWarning {
  readonly runName: string | null;
  readonly message: string;
}

/** Warnings kept for the run status; older ones are still in the toasts' history. */
const MAX_WARNINGS = 20;

export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** Runs, the active run's live progress, and history/checkpoints of the run being looked at. */
export const useTrainingStore = defineStore('training', () => {
  const notices = useNoticeStore();

  const presets = ref<PresetDefaults[]>([]);
  const runs = ref<RunSummary[]>([]);
  const active = ref<RunSummary | null>(null);
  const progress = ref<StepProgress | null>(null);
  const selectedRun = ref<string | null>(null);
  const lossPoints = shallowRef<LossPoint[]>([]);
  const epochs = shallowRef<EpochMetrics[]>([]);
  /** The selected run's last logged numbers: the header's values when no live progress has them. */
  const lastLogged = ref<LastStepNumbers | null>(null);
  const checkpoints = ref<CheckpointInfo[]>([]);
  /** What the selected run was started with (null while loading or when it cannot be read). */
  const settings = ref<RunSettings | null>(null);
  const unavailable = ref(false);
  const pending = ref<RunAction | null>(null);
  const warnings = ref<RunWarning[]>([]);

  api.training.on('progress', (p) => {
    progress.value = p;
    if (p.runName !== selectedRun.value) return;
    const last = lossPoints.value[lossPoints.value.length - 1];
    if (!last || p.globalStep > last.step) {
      lossPoints.value = [...lossPoints.value, { step: p.globalStep, loss: p.loss }];
    }
  });
  api.training.on('epoch', (e) => {
    if (e.runName !== selectedRun.value) return;
    epochs.value = [...epochs.value.filter((x) => x.epoch !== e.epoch), e];
  });
  api.training.on('checkpoint', (c) => {
    if (c.runName === selectedRun.value) void loadCheckpoints(c.runName);
  });
  api.training.on('state', (s) => {
    upsertRun(s);
    const live = isLiveState(s.state);
    if (live || active.value?.runName === s.runName) active.value = s;
    // Live progress is throttled and skips steps; once the run settles, the full history shows.
    if (!live && s.runName === selectedRun.value) void refreshHistory(s.runName);
    if (!live && progress.value?.runName === s.runName) {
      // Keep the last progress numbers visible, but the ETA no longer means anything.
      progress.value = { ...progress.value, epochEtaSeconds: null, runEtaSeconds: null };
    }
    if (s.state === 'crashed') {
      notices.push({
        level: 'error',
        title: `Training run ${s.runName} crashed`,
        message: s.message ?? undefined,
        hint: 'It was saved at its last checkpoint: press Resume to continue from there.',
      });
    }
  });
  api.training.on('error', (e) => {
    notices.push({
      level: 'error',
      title: e.runName ? `Training run ${e.runName} reported an error` : 'Training error',
      message: e.message,
      // A fatal error also ends the run (crashed); a non-fatal one leaves it training.
      hint: 'If the run stopped, it is saved at its last checkpoint: fix the cause and press Resume.',
    });
  });

  api.training.on('warning', (w) => {
    // The run goes on: a warning never touches its state, and needs no Resume.
    // A restarted worker repeats what its predecessor said: keep each warning once per run.
    const known = warnings.value.some((x) => x.runName === w.runName && x.message === w.message);
    if (!known) warnings.value = [...warnings.value.slice(1 - MAX_WARNINGS), w];
    notices.push({
      level: 'warning',
      title: w.runName ? `Training run ${w.runName}: warning` : 'Training warning',
      message: w.message,
      hint: 'Training goes on; no action is needed unless the warning says otherwise.',
    });
  });

  /** The warnings of one run, oldest first. */
  function warningsOf(runName: string): string[] {
    return warnings.value.filter((w) => w.runName === runName).map((w) => w.message);
  }

  /** A new session of a run starts with a clean slate of warnings. */
  function clearWarnings(runName: string): void {
    warnings.value = warnings.value.filter((w) => w.runName !== runName);
  }

  function upsertRun(s: RunSummary): void {
    const others = runs.value.filter((r) => r.runName !== s.runName);
    runs.value = [s, ...others].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  const isLive = computed(() => active.value !== null && isLiveState(active.value.state));
  const selectedSummary = computed(
    () => runs.value.find((r) => r.runName === selectedRun.value) ?? null,
  );

  async function load(): Promise<void> {
    try {
      const [p, r, status] = await Promise.all([
        api.training.presets({}),
        api.training.runs({}),
        api.training.status({}),
      ]);
      presets.value = p;
      runs.value = [...r].sort((a, b) => b.updatedAt - a.updatedAt);
      active.value = status.active;
      progress.value = status.progress;
      unavailable.value = false;
      const pick = status.active?.runName ?? selectedRun.value ?? runs.value[0]?.runName ?? null;
      if (pick) await select(pick);
    } catch (err) {
      unavailable.value = notices.loadFailed('Loading training runs', err);
    }
  }

  async function select(runName: string): Promise<void> {
    selectedRun.value = runName;
    lossPoints.value = [];
    epochs.value = [];
    lastLogged.value = null;
    checkpoints.value = [];
    settings.value = null;
    void api.training
      .settings({ runName })
      .then((found) => {
        if (selectedRun.value === runName) settings.value = found;
      })
      .catch(() => undefined); // The form then has nothing to copy; the run still shows.
    try {
      const history = await api.training.history({ runName });
      if (selectedRun.value !== runName) return;
      // Live events may have arrived while history loaded: merge by step.
      const lastHistoryStep = history.steps[history.steps.length - 1]?.step ?? -1;
      lossPoints.value = [
        ...history.steps,
        ...lossPoints.value.filter((p) => p.step > lastHistoryStep),
      ];
      epochs.value = history.epochs;
      lastLogged.value = history.last;
    } catch (err) {
      notices.error(`Loading the history of ${runName}`, err);
    }
    await loadCheckpoints(runName);
  }

  async function refreshHistory(runName: string): Promise<void> {
    try {
      const history = await api.training.history({ runName });
      if (selectedRun.value !== runName) return;
      // The step log may lag the live events by a flush: keep live points beyond it.
      const lastStep = history.steps[history.steps.length - 1]?.step ?? -1;
      lossPoints.value = [...history.steps, ...lossPoints.value.filter((p) => p.step > lastStep)];
      if (history.epochs.length >= epochs.value.length) epochs.value = history.epochs;
      lastLogged.value = history.last;
    } catch {
      // Keep the live points; the next state change retries.
    }
  }

  async function loadCheckpoints(runName: string): Promise<void> {
    try {
      const list = await api.training.checkpoints({ runName });
      if (selectedRun.value === runName) checkpoints.value = list;
    } catch (err) {
      notices.error(`Listing checkpoints of ${runName}`, err);
    }
  }

  async function act<T>(kind: RunAction, what: string, call: () => Promise<T>): Promise<T | null> {
    pending.value = kind;
    try {
      return await call();
    } catch (err) {
      notices.error(what, err);
      return null;
    } finally {
      pending.value = null;
    }
  }

  async function start(request: TrainRequest): Promise<boolean> {
    clearWarnings(request.runName);
    const summary = await act('start', 'Starting training', () => api.training.start(request));
    return follow(summary);
  }

  /** A run that just started becomes the live run and the selected one; false if it did not start. */
  async function follow(summary: RunSummary | null): Promise<boolean> {
    if (!summary) return false;
    active.value = summary;
    upsertRun(summary);
    progress.value = null;
    await select(summary.runName);
    return true;
  }

  /**
   * "Fine-tune with my corrections": a new run on the current labels from `sourceRun`'s best
   * checkpoint (the training service picks its settings and a tenth of its learning rate).
   */
  async function fineTune(
    sourceRun: string,
    runName: string,
    epochs: number,
    stopAfterSteps?: number,
  ): Promise<boolean> {
    clearWarnings(runName);
    const summary = await act('start', `Fine-tuning ${sourceRun}`, () =>
      api.training.fineTune({ sourceRun, runName, epochs, stopAfterSteps }),
    );
    return follow(summary);
  }

  async function pause(): Promise<void> {
    const s = await act('pause', 'Pausing training', () => api.training.pause({}));
    if (s) {
      active.value = s;
      upsertRun(s);
    }
  }

  async function resume(runName: string, from: CheckpointKind = 'last'): Promise<void> {
    clearWarnings(runName);
    const s = await act('resume', `Resuming ${runName}`, () =>
      api.training.resume({ runName, from }),
    );
    if (s) {
      active.value = s;
      upsertRun(s);
      if (selectedRun.value !== runName) await select(runName);
    }
  }

  async function stop(): Promise<void> {
    const s = await act('stop', 'Stopping training', () => api.training.stop({}));
    if (s) {
      active.value = s;
      upsertRun(s);
    }
  }

  return {
    presets,
    runs,
    active,
    progress,
    selectedRun,
    selectedSummary,
    lossPoints,
    epochs,
    lastLogged,
    checkpoints,
    settings,
    unavailable,
    pending,
    warnings,
    warningsOf,
    isLive,
    load,
    select,
    start,
    fineTune,
    pause,
    resume,
    stop,
  };
});
