// Debian chromium for the e2e tests (playwright-core drives it): `setup --with-chromium`, and
// `npm test` before its e2e stage, install it when root; otherwise they print the command.

import { chromiumTarget, planChromium } from './chromium-plan.mjs';
import { describeRun, exists, log, run, runSync, warn, which } from './util.mjs';

const CHROMIUM = '/usr/bin/chromium';

/** @returns {{status: 'present'|'installed'|'manual'|'failed', path?: string, version?: string, reason?: string}} */
export async function provisionChromium() {
  const target = chromiumTarget();
  const aptGet = which('apt-get');
  const plan = planChromium({
    ...target,
    present: exists(target.path),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: Boolean(aptGet),
  });
  if (plan.action === 'run') {
    const v = runSync(target.path, ['--version']).stdout.trim();
    log(`chromium: present (${target.path}${v ? `, ${v}` : ''})`);
    return { status: 'present', path: target.path, version: v || undefined };
  }
  if (plan.action === 'stop') {
    warn(`chromium: ${plan.message}`);
    return { status: 'manual', reason: plan.message };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300']; // wait for a concurrent apt/dpkg instead of failing
  log('chromium: apt-get update ...');
  const u = await run(/** @type {string} */ (aptGet), [...lock, 'update'], {
    env,
    timeoutMs: 10 * 60_000,
  });
  if (u.code !== 0) {
    warn(`chromium: apt-get update failed (${describeRun(u)}); see the setup log`);
    return { status: 'failed', reason: `apt-get update: ${describeRun(u)}` };
  }
  log('chromium: apt-get install -y chromium ...');
  const i = await run(/** @type {string} */ (aptGet), [...lock, 'install', '-y', 'chromium'], {
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
