import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type ProducedFile } from '../../shared/contracts/common';
import { EvalReport, evaluationContract } from '../../shared/contracts/evaluation';
import type { ServiceHandlers } from '../../shared/ipc/contract';
import { ArchiveResult } from '../../shared/worker/protocol';
import { CheckpointKind } from '../../shared/contracts/common';
import { reportCsv } from '../engine/eval-csv';
import { onnxSidecarPath } from '../engine/export-manifest';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic';
import { readJsonOrNull } from '../fs/json';
import { UserFacingError, type EventHub } from '../ipc/dispatcher';
import { exportMediaPath } from '../media/resolve';
import { builtEntry } from '../paths';
import { evalMaskPaths, WrittenMasks, type MaskStamp } from '../training/eval-masks';
import { isRunFolder, readRunFile, runPaths } from '../training/run-folder';
import { WorkerJobError, runWorkerJob, type WorkerJob } from '../training/worker-job';
import { forkNodeWorker, type WorkerSpawner } from '../worker/port';
import type { ServiceContext } from './context';
import { evalBasis, sameBasis } from './eval-basis';
import { startJob } from './jobs';
import type { ProjectSession } from './project-session';

export interface EvaluationServiceDeps {
  readonly session: ProjectSession;
  readonly events: EventHub;
  readonly spawnWorker?: WorkerSpawner;
  readonly workerEntry?: string;
}

/** What the worker's evaluate returns on top of the report body. */
const WorkerEvalResult = EvalReport.omit({
  runName: true,
  checkpoint: true,
  evaluatedAt: true,
}).extend({
  checkpoint: CheckpointKind,
  note: z.string().nullable(),
  masks: WrittenMasks.optional(),
});

/**
 * evaluation.* for the open project. Evaluate, predict and export run in short-lived worker
 * processes (tfjs never blocks the main process); reports are cached in the run folder as
 * `eval/<split>.json`; exports are written to `<projectDir>/exports/` (served as `export/...`)
 * and, when the user picked a destination, copied there as well.
 */
export function createEvaluationService(
  deps: EvaluationServiceDeps,
): ServiceHandlers<typeof evaluationContract, ServiceContext> {
  const { session, events } = deps;
  const spawn = deps.spawnWorker ?? forkNodeWorker;
  const workerEntry = (): string => deps.workerEntry ?? builtEntry('training-worker');

  const runDirOf = async (runName: string): Promise<string> => {
    const dir = path.join(session.require().runsDir, runName);
    if (!(await isRunFolder(dir))) {
      throw new UserFacingError(`No run named "${runName}" in this project`, 'no_run');
    }
    return dir;
  };

  const runJob = async (
    job: WorkerJob,
    label: string,
    kind: 'evaluate' | 'predict' | 'export',
  ): Promise<unknown> => {
    const progress = startJob(events, kind, label);
    try {
      const value = await runWorkerJob(job, {
        spawn,
        workerEntry: workerEntry(),
        onProgress: (done, total) => progress.progress(done, total),
      });
      progress.finish();
      return value;
    } catch (err) {
      progress.fail((err as Error).message);
      if (err instanceof WorkerJobError) throw new UserFacingError(err.message, kind);
      throw err;
    }
  };

  const produced = async (
    file: string,
    bytes: number,
    destination?: string,
  ): Promise<ProducedFile> => {
    const exportsDir = session.require().exportsDir;
    const mediaPath = exportMediaPath(exportsDir, file) ?? '';
    if (!destination) return { path: file, mediaPath, bytes };
    // The exports copy stays downloadable; the user's chosen place gets its own copy.
    await fs.cp(file, destination, { recursive: true, force: true });
    return { path: path.resolve(destination), mediaPath, bytes };
  };

  const readReport = async (runName: string, split: string): Promise<EvalReport | null> => {
    return readJsonOrNull(runPaths(await runDirOf(runName)).evalReport(split), EvalReport);
  };

  return {
    async evaluate({ runName, split, from, reuse }) {
      const runDir = await runDirOf(runName);
      const basis = await evalBasis(
        session.require(),
        runDir,
        await readRunFile(runDir),
        split,
        from,
      );
      if (reuse) {
        const cached = await readReport(runName, split);
        if (cached && sameBasis(cached.basis, basis)) return { ...cached, reused: true };
      }
      const value = await runJob(
        { type: 'evaluate', runDir, from, split },
        `Evaluate ${runName} on ${split}`,
        'evaluate',
      );
      const result = WorkerEvalResult.parse(value);
      const { note, masks, ...body } = result;
      // Kept only when the worker restored the very checkpoint the basis names.
      const restored = basis?.checkpoint;
      const sameCheckpoint =
        restored?.slot === result.checkpoint &&
        restored.globalStep === masks?.globalStep &&
        restored.createdAt === masks.checkpointCreatedAt;
      const report = EvalReport.parse({
        ...body,
        runName,
        evaluatedAt: Date.now(),
        ...(basis && sameCheckpoint && { basis }),
        ...(note && { note }),
      });
      await writeJsonAtomic(runPaths(runDir).evalReport(split), report);
      if (masks) {
        // After the report: the stamp says which report the evaluation's masks belong to.
        const stamp: MaskStamp = {
          runName,
          split,
          checkpoint: result.checkpoint,
          evaluatedAt: report.evaluatedAt,
          ...masks,
        };
        await writeJsonAtomic(evalMaskPaths(runDir, split).stamp, stamp);
      }
      return { ...report, reused: false };
    },

    report: ({ runName, split }) => readReport(runName, split),

    async exportModel({ runName, from, format, destination }) {
      const runDir = await runDirOf(runName);
      const ext = { archive: '.zip', folder: '', onnx: '.onnx' }[format];
      const name = `${runName}-${from}-model${ext}`;
      const target = path.join(session.require().exportsDir, name);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const value = ArchiveResult.parse(
        await runJob(
          { type: 'export', runDir, from, format, target },
          `Export ${runName}`,
          'export',
        ),
      );
      const file = await produced(value.path, value.bytes, destination);
      // An ONNX model's sidecar goes along to the chosen place (it is also in the model's metadata).
      if (format === 'onnx' && destination) {
        await fs.copyFile(onnxSidecarPath(value.path), onnxSidecarPath(file.path));
      }
      return file;
    },

    async exportPredictions({ runName, split, from, encoding, folder, destination }) {
      const runDir = await runDirOf(runName);
      // A folder is the user's, on this machine: it is only read, by the worker.
      if (folder !== undefined && !path.isAbsolute(folder)) {
        throw new UserFacingError(
          `The folder of images to predict must be an absolute path, got "${folder}"`,
          'bad_folder',
        );
      }
      const kind = encoding === 'dataset' ? 'masks' : 'overlays';
      const source = folder
        ? `folder-${path.basename(path.resolve(folder)).replace(/[^A-Za-z0-9._-]+/g, '_')}`
        : split;
      const archive = path.join(session.require().exportsDir, `${runName}-${source}-${kind}.zip`);
      await fs.mkdir(path.dirname(archive), { recursive: true });
      const value = ArchiveResult.parse(
        await runJob(
          { type: 'predict', runDir, from, split, encoding, archive, ...(folder && { folder }) },
          `Predict ${folder ? `folder ${path.basename(folder)}` : split} with ${runName}`,
          'predict',
        ),
      );
      return produced(value.path, value.bytes, destination);
    },

    async exportMetrics({ runName, split, from, format, destination }) {
      const report = await readReport(runName, split);
      if (!report) {
        throw new UserFacingError(
          `Run "${runName}" has no evaluation on "${split}" yet: evaluate it first`,
          'no_report',
        );
      }
      // Never the other checkpoint's numbers under this one's name.
      if (report.checkpoint !== from) {
        throw new UserFacingError(
          `The evaluation of "${runName}" on "${split}" is of the ${report.checkpoint} checkpoint, not the ${from} one: evaluate the ${from} checkpoint first`,
          'no_report',
        );
      }
      const name = `${runName}-${split}-${from}-metrics.${format}`;
      const file = path.join(session.require().exportsDir, name);
      const text = format === 'csv' ? reportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
      await writeFileAtomic(file, text);
      return produced(file, Buffer.byteLength(text), destination);
    },
  };
}
