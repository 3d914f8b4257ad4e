import { utilityProcess } from 'electron';
import type { WorkerPort, WorkerSpawner } from '../worker/port';

/**
 * WorkerSpawner for the Electron app: the training worker runs in a utilityProcess (a Node
 * child managed by Electron, no renderer privileges). Same WorkerPort as forkNodeWorker, so
 * TrainingHost does not know the difference. Call only after app `ready`.
 */
export const forkUtilityWorker: WorkerSpawner = (entry, env) => {
  const child = utilityProcess.fork(entry, [], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
    serviceName: 'Seg Studio training',
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const port: WorkerPort = {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      if (!exited) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', listener),
    // utilityProcess reports only an exit code; a kill shows up as a non-zero code.
    onExit: (listener) => child.on('exit', (code) => listener(code, null)),
    kill: (signal) => {
      // UtilityProcess.kill() takes no signal; SIGKILL (hard stop) goes through the pid.
      if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
  };
  return port;
};
