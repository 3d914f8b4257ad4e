import type { AppServices } from './index';
import { readRecent } from './project-store';

/**
 * Reopens the most recently used project at startup (Electron), so the app comes back where
 * the user left it. A project that moved or broke is left closed (the Start page lists it);
 * the reason is returned for the log, never thrown.
 */
export async function reopenLastProject(
  services: AppServices,
  dataDir: string,
): Promise<{ reopened: string | null; reason: string | null }> {
  const [last] = await readRecent(dataDir);
  if (!last) return { reopened: null, reason: null };
  const result = await services.dispatcher.dispatch(
    'project:openProject',
    { projectDir: last.projectDir },
    { clientId: 'startup' },
  );
  return result.ok
    ? { reopened: last.projectDir, reason: null }
    : { reopened: null, reason: result.error.message };
}
