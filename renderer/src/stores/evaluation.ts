import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CheckpointKind, ProducedFile } from '../../../shared/contracts/common';
import type { EvalReport } from '../../../shared/contracts/evaluation';
import { api } from '../api';
import { useNoticeStore } from './notices';

export type ExportKind = 'model' | 'predictions' | 'metrics';

/** Evaluation reports and the three exports (model, predicted masks, metrics). */
export const useEvaluationStore = defineStore('evaluation', () => {
  const notices = useNoticeStore();
  const report = ref<EvalReport | null>(null);
  const evaluating = ref(false);
  const exporting = ref<Record<ExportKind, boolean>>({
    model: false,
    predictions: false,
    metrics: false,
  });
  const produced = ref<Partial<Record<ExportKind, ProducedFile>>>({});

  async function loadReport(runName: string, split: string): Promise<void> {
    try {
      report.value = await api.evaluation.report({ runName, split });
    } catch (err) {
      report.value = null;
      notices.error(`Loading the evaluation of ${runName}`, err);
    }
  }

  async function evaluate(runName: string, split: string, from: CheckpointKind): Promise<void> {
    evaluating.value = true;
    try {
      report.value = await api.evaluation.evaluate({ runName, split, from });
      notices.success(`Evaluated ${runName} on ${split}`);
    } catch (err) {
      notices.error(
        `Evaluating ${runName} on ${split}`,
        err,
        'Make sure the run has a saved checkpoint (train at least one epoch or press Pause).',
      );
    } finally {
      evaluating.value = false;
    }
  }

  /**
   * A report of `runName` on `split` from checkpoint `from` for the comparison view: the cached
   * one when it is of that checkpoint (and `fresh` is false), else an evaluation on the current
   * labels, which reuses the cached report (`reused`) when the service can prove it current
   * (same checkpoint, settings and labels). Leaves the Evaluate view's `report` alone. Null
   * (with a toast) when the run cannot be evaluated.
   */
  async function reportFor(
    runName: string,
    split: string,
    from: CheckpointKind,
    fresh: boolean,
  ): Promise<(EvalReport & { reused?: boolean }) | null> {
    try {
      if (!fresh) {
        const cached = await api.evaluation.report({ runName, split });
        if (cached && cached.checkpoint === from) return cached;
      }
      return await api.evaluation.evaluate({ runName, split, from, reuse: true });
    } catch (err) {
      notices.error(
        `Evaluating ${runName} on ${split}`,
        err,
        'Make sure the run has a saved checkpoint (train at least one epoch or press Pause).',
      );
      return null;
    }
  }

  async function runExport(
    kind: ExportKind,
    what: string,
    call: () => Promise<ProducedFile>,
    hint?: string,
  ): Promise<ProducedFile | null> {
    exporting.value = { ...exporting.value, [kind]: true };
    // The last result goes as the new export starts: it must not stay under a failure.
    const { [kind]: _stale, ...rest } = produced.value;
    produced.value = rest;
    try {
      const file = await call();
      produced.value = { ...produced.value, [kind]: file };
      notices.success(`${what} finished`, file.path.split(/[\\/]/).pop());
      return file;
    } catch (err) {
      notices.error(what, err, hint);
      return null;
    } finally {
      exporting.value = { ...exporting.value, [kind]: false };
    }
  }

  function exportModel(
    runName: string,
    from: CheckpointKind,
    format: 'folder' | 'archive' | 'onnx',
    destination?: string,
  ) {
    const what =
      format === 'onnx' ? `Exporting ${runName} as ONNX` : `Exporting the model of ${runName}`;
    return runExport('model', what, () =>
      api.evaluation.exportModel({ runName, from, format, destination }),
    );
  }

  /** Masks for a split, or for the images of `folder` (a folder on the host) when given. */
  function exportPredictions(
    runName: string,
    split: string,
    from: CheckpointKind,
    encoding: 'dataset' | 'color',
    destination?: string,
    folder?: string,
  ) {
    const what = folder
      ? `Exporting predictions for ${folder.split(/[\\/]/).filter(Boolean).pop() ?? folder}`
      : `Exporting ${split} predictions`;
    return runExport(
      'predictions',
      what,
      () =>
        api.evaluation.exportPredictions({ runName, split, from, encoding, destination, folder }),
      folder
        ? 'Check that the folder exists on the machine running Seg Studio (absolute path) and holds images.'
        : undefined,
    );
  }

  function exportMetrics(
    runName: string,
    split: string,
    from: CheckpointKind,
    format: 'csv' | 'json',
    destination?: string,
  ) {
    return runExport('metrics', `Exporting metrics as ${format.toUpperCase()}`, () =>
      api.evaluation.exportMetrics({ runName, split, from, format, destination }),
    );
  }

  return {
    report,
    evaluating,
    exporting,
    produced,
    loadReport,
    evaluate,
    reportFor,
    exportModel,
    exportPredictions,
    exportMetrics,
  };
});
