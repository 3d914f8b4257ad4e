// Debian chromium for the e2e tests (playwright-core drives it). Only with `setup --with-chromium`.

import { describeRun, exists, log, run, runSync, warn, which } from './util.mjs';

const CHROMIUM = '/usr/bin/chromium';

/** @returns {{status: 'present'|'installed'|'manual'|'failed', path?: string, version?: string, reason?: string}} */
export async function provisionChromium() {
  if (exists(CHROMIUM)) {
    const v = runSync(CHROMIUM, ['--version']).stdout.trim();
    log(`chromium: present (${CHROMIUM}${v ? `, ${v}` : ''})`);
    return { status: 'present', path: CHROMIUM, version: v || undefined };
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = which('apt-get');
  if (!aptGet) {
    warn(
      `chromium: ${CHROMIUM} is missing and apt-get is not available; install Chromium with your package manager`,
    );
    return { status: 'manual', reason: 'no apt-get' };
  }
  if (!isRoot) {
    warn(
      `chromium: ${CHROMIUM} is missing. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium`,
    );
    return { status: 'manual', reason: 'not root' };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300']; // wait for a concurrent apt/dpkg instead of failing
  log('chromium: apt-get update ...');
  const u = await run(aptGet, [...lock, 'update'], { env, timeoutMs: 10 * 60_000 });
  if (u.code !== 0) {
    warn(`chromium: apt-get update failed (${describeRun(u)}); see the setup log`);
    return { status: 'failed', reason: `apt-get update: ${describeRun(u)}` };
  }
  log('chromium: apt-get install -y chromium ...');
  const i = await run(aptGet, [...lock, 'install', '-y', 'chromium'], {
    env,
    timeoutMs: 20 * 60_000,
  });
  if (i.code !== 0 || !exists(CHROMIUM)) {
    warn(`chromium: apt-get install failed (${describeRun(i)}); see the setup log`);
    return { status: 'failed', reason: `apt-get install: ${describeRun(i)}` };
  }
  const v = runSync(CHROMIUM, ['--version']).stdout.trim();
  log(`chromium: installed (${v || CHROMIUM}) in ${Math.round((u.ms + i.ms) / 1000)} s`);
  return { status: 'installed', path: CHROMIUM, version: v || undefined };
}
