import { fork, type ChildProcess } from 'node:child_process';

/**
 * The one seam between Electron's utilityProcess and Node's child_process: the training
 * host talks to a WorkerPort and never knows which kind of process is behind it.
 */
export interface WorkerPort {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type WorkerSpawner = (entry: string, env?: NodeJS.ProcessEnv) => WorkerPort;

export const forkNodeWorker: WorkerSpawner = (entry, env) => {
  const child: ChildProcess = fork(entry, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code, signal) => listener(code, signal)),
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
};
