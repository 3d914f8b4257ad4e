import type { WorkerSpawner } from '../worker/port';

/** What differs between the Electron host and the serve host, as seen by the services. */
export interface HostAdapter {
  readonly kind: 'electron' | 'serve';
  /** Native dialog; the serve host returns null and the UI asks for a typed path instead. */
  pickPath(request: {
    kind: 'directory' | 'file' | 'save';
    title: string;
    defaultPath?: string;
  }): Promise<string | null>;
  /** Where projects, recent lists and caches live (Electron's userData, or ~/.segstudio). */
  readonly dataDir: string;
  /** How the training worker is started: utilityProcess in Electron; child_process by default. */
  readonly spawnWorker?: WorkerSpawner;
}
