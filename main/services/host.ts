/**
 * The seam between the services and the process that hosts them (the Electron main process
 * or `segstudio serve`): everything that differs between the two, and nothing else.
 */
import type { WorkerSpawner } from '../worker/port';

/**
 * What differs between the Electron host and the serve host, as seen by the services. A host
 * builds one adapter before `createAppServices` and keeps it for the life of the process; the
 * services only read it.
 */
export interface HostAdapter {
  /**
   * Which host this is. Fixed for the process; the system service reports it to the UI,
   * which uses it to offer native dialogs or a typed path. Nothing else may branch on it.
   */
  readonly kind: 'electron' | 'serve';
  /**
   * Asks the user for a folder, a file or a save location. Called by the system service each
   * time the UI requests a path (`system:pickPath`), possibly several times concurrently.
   * Resolves with an absolute path, or null when the user cancelled or the host has no native
   * dialog (serve returns null at once, and the UI then asks for a typed path). Never rejects
   * for a cancel; the caller must validate the path it gets, like any user input.
   */
  pickPath(request: {
    kind: 'directory' | 'file' | 'save';
    title: string;
    defaultPath?: string;
  }): Promise<string | null>;
  /**
   * Where projects, the recent list and caches live (Electron's userData, or ~/.segstudio /
   * $SEGSTUDIO_DATA_DIR). Absolute and fixed for the process; read when the services are
   * built. Services create what they need below it and never write anywhere above it.
   */
  readonly dataDir: string;
  /**
   * Starts a worker process (utilityProcess in Electron). Called by the training, evaluation
   * and dataset services each time they need a worker: once per training session (and per
   * automatic restart) and once per evaluate/predict/export job. The caller owns the port it
   * returns, and shuts it down or kills it. Absent: child_process.fork (`forkNodeWorker`).
   */
  readonly spawnWorker?: WorkerSpawner;
}
