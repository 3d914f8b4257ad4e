/**
 * The training worker process (child_process.fork from the CLI/tests, utilityProcess.fork in
 * Electron). It obeys its parent only: Ctrl-C in a terminal reaches the whole process group,
 * and the parent turns it into a pause, so the worker itself ignores SIGINT.
 */
import type { RunMode } from '../../shared/training/state';
import { WorkerCommand, type WorkerEvent } from '../../shared/worker/protocol';
import { openTensorBoard } from '../engine/tensorboard';
import { backendInfo, getTf } from '../native/backend';
import { openEngineSession } from '../training/engine-session';
import { evaluateRun, exportRun, predictRun } from '../training/run-jobs';
import { labelsJob } from '../training/label-worker';
import { WorkerLoop } from '../training/worker-loop';
import { connectToParent } from '../worker/parent-link';

const parent = connectToParent();
let parentGone = false;
// After the parent died, sending would throw (ERR_IPC_CHANNEL_CLOSED) and kill the pause.
const emit = (event: WorkerEvent): void => {
  if (!parentGone) parent.send(event);
  else if (event.type === 'error') process.stderr.write(`training worker: ${event.message}\n`);
};
const log = (level: 'info' | 'warn', message: string): void =>
  emit({ type: 'log', level, message });

const loop = new WorkerLoop({
  emit,
  openSession: openEngineSession(log),
  openScalars: openTensorBoard,
});
let exitWhenIdle = false;

process.on('SIGINT', () => undefined);
// SIGTERM/SIGHUP reach the worker too when the whole process group is signalled (a closed
// terminal, `kill -- -PGID`, a service manager): checkpoint first, as for `shutdown`.
const pauseAndExit = (): void => {
  exitWhenIdle = true;
  loop.requestPause();
  exitIfIdle();
};
process.on('SIGTERM', pauseAndExit);
process.on('SIGHUP', pauseAndExit);

function exitIfIdle(): void {
  if (exitWhenIdle && !loop.isRunning) process.exit(0);
}

async function reply(requestId: string, work: () => Promise<unknown>): Promise<void> {
  try {
    emit({ type: 'result', requestId, ok: true, value: await work() });
  } catch (err) {
    emit({ type: 'result', requestId, ok: false, error: (err as Error).message });
  }
}

function progressOf(requestId: string): (done: number, total: number) => void {
  return (done, total) => emit({ type: 'jobProgress', requestId, done, total });
}

function handle(command: ReturnType<typeof WorkerCommand.parse>): void {
  switch (command.type) {
    case 'ping':
      emit({ type: 'pong', nonce: command.nonce });
      return;
    case 'shutdown':
      // Never drop a running step on the floor: pause (with checkpoint) first.
      pauseAndExit();
      return;
    case 'start':
    case 'resume': {
      const mode: RunMode =
        command.type === 'start' ? { kind: 'start' } : { kind: 'resume', from: command.from };
      void loop.run(command.runDir, mode, command.stopAfterSteps).then(exitIfIdle);
      return;
    }
    case 'pause':
      loop.requestPause();
      return;
    case 'stop':
      loop.requestStop();
      return;
    case 'evaluate': {
      const { requestId } = command;
      void reply(requestId, () =>
        evaluateRun({
          runDir: command.runDir,
          from: command.from,
          split: command.split,
          onProgress: progressOf(requestId),
        }),
      );
      return;
    }
    case 'predict': {
      const { requestId } = command;
      void reply(requestId, () =>
        predictRun({
          runDir: command.runDir,
          from: command.from,
          split: command.split,
          ...(command.folder !== undefined && { folder: command.folder }),
          encoding: command.encoding,
          archive: command.archive,
          onProgress: progressOf(requestId),
        }),
      );
      return;
    }
    case 'labels': {
      const { requestId } = command;
      void reply(requestId, () => labelsJob(command, progressOf(requestId)));
      return;
    }
    case 'export': {
      const { requestId } = command;
      void reply(requestId, () =>
        exportRun({
          runDir: command.runDir,
          from: command.from,
          format: command.format,
          target: command.target,
          onProgress: progressOf(requestId),
        }),
      );
      return;
    }
  }
}

parent.onMessage((raw) => {
  const parsed = WorkerCommand.safeParse(raw);
  if (!parsed.success) {
    emit({ type: 'error', message: `Invalid command: ${parsed.error.message}`, fatal: false });
    return;
  }
  handle(parsed.data);
});

// Parent gone (CLI killed, app crashed): checkpoint what we have and leave.
process.on('disconnect', () => {
  parentGone = true;
  pauseAndExit();
});

const info = backendInfo();
emit({
  type: 'ready',
  pid: process.pid,
  backend: info.backend,
  native: info.native,
  numTensors: getTf().memory().numTensors,
});
