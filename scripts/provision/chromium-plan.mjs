// What `npm test` (and `setup --with-chromium`) should do about the e2e browser, decided from
// plain facts so a unit test can check every case without touching the machine's chromium.

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const APT_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

/** The browser the e2e tests launch: SEGSTUDIO_CHROMIUM when set, else Debian's. */
export function chromiumTarget(env = process.env) {
  const fromEnv = env.SEGSTUDIO_CHROMIUM;
  return fromEnv ? { path: fromEnv, fromEnv: true } : { path: DEFAULT_CHROMIUM, fromEnv: false };
}

/**
 * @param {{path: string, fromEnv: boolean, present: boolean, isRoot: boolean, hasAptGet: boolean}} facts
 * @returns {{action: 'run'} | {action: 'install'} | {action: 'stop', message: string}}
 */
export function planChromium({ path, fromEnv, present, isRoot, hasAptGet }) {
  if (present) return { action: 'run' };
  // A path the user chose is theirs to fix: installing Debian's would not put anything there.
  if (fromEnv) {
    return {
      action: 'stop',
      message: `SEGSTUDIO_CHROMIUM points to ${path}, which does not exist. Fix the path, or run\n  unset SEGSTUDIO_CHROMIUM && npm test\nto use Debian chromium (${DEFAULT_CHROMIUM}).`,
    };
  }
  if (!hasAptGet) {
    return {
      action: 'stop',
      message: `${path} is missing and apt-get is not available. Install Chromium with your package manager, then run\n  SEGSTUDIO_CHROMIUM=/path/to/chromium npm test`,
    };
  }
  if (!isRoot) {
    return {
      action: 'stop',
      message: `${path} is missing. Install it with\n  ${APT_COMMAND}\nthen run npm test again.`,
    };
  }
  return { action: 'install' };
}
