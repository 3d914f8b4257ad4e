import os from 'node:os';
import path from 'node:path';
import type { HostAdapter } from '../services/host';

/** Where serve mode keeps projects and the recent list: $SEGSTUDIO_DATA_DIR or ~/.segstudio. */
export function serveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['SEGSTUDIO_DATA_DIR'];
  return fromEnv ? path.resolve(fromEnv) : path.join(os.homedir(), '.segstudio');
}

/** Headless host: no native dialogs (the UI asks for a typed path instead). */
export function createServeHost(dataDir = serveDataDir()): HostAdapter {
  return {
    kind: 'serve',
    dataDir,
    pickPath: () => Promise.resolve(null),
  };
}
