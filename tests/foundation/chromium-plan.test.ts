/**
 * What `npm test` does about the e2e browser on a machine without one: install Debian
 * chromium when it can (root, apt-get), otherwise stop before e2e with the exact command.
 * The decision is checked on every combination of facts; the machine's chromium is untouched.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APT_COMMAND,
  DEFAULT_CHROMIUM,
  chromiumTarget,
  planChromium,
} from '../../scripts/provision/chromium-plan.mjs';

const missing = { path: DEFAULT_CHROMIUM, fromEnv: false, present: false };

describe('e2e browser provisioning decision', () => {
  it('runs the e2e stage when the browser is there', () => {
    expect(planChromium({ ...missing, present: true, isRoot: false, hasAptGet: false })).toEqual({
      action: 'run',
    });
  });

  it('installs Debian chromium when root with apt-get and it is missing', () => {
    expect(planChromium({ ...missing, isRoot: true, hasAptGet: true })).toEqual({
      action: 'install',
    });
  });

  it('stops with the exact apt-get command when not root', () => {
    const plan = planChromium({ ...missing, isRoot: false, hasAptGet: true });
    expect(plan.action).toBe('stop');
    expect(plan.action === 'stop' && plan.message).toContain(APT_COMMAND);
    expect(APT_COMMAND).toBe('sudo apt-get update && sudo apt-get install -y chromium');
  });

  it('stops without apt-get, naming the variable that points at another browser', () => {
    const plan = planChromium({ ...missing, isRoot: true, hasAptGet: false });
    expect(plan.action === 'stop' && plan.message).toContain('SEGSTUDIO_CHROMIUM=');
  });

  it('never installs over a SEGSTUDIO_CHROMIUM path that is missing, even as root', () => {
    const target = chromiumTarget({ SEGSTUDIO_CHROMIUM: '/nowhere/chromium' });
    expect(target).toEqual({ path: '/nowhere/chromium', fromEnv: true });
    const plan = planChromium({ ...target, present: false, isRoot: true, hasAptGet: true });
    expect(plan.action === 'stop' && plan.message).toContain('/nowhere/chromium');
    expect(chromiumTarget({})).toEqual({ path: DEFAULT_CHROMIUM, fromEnv: false });
  });

  it('the provisioner stops (and installs nothing) for a missing SEGSTUDIO_CHROMIUM', () => {
    // The real provisioner the test runner calls, in its own process.
    const script = `import { provisionChromium } from ${JSON.stringify(
      path.resolve('scripts/provision/chromium.mjs'),
    )}; console.log(JSON.stringify(await provisionChromium()));`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, SEGSTUDIO_CHROMIUM: '/nowhere/chromium' },
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!) as { status: string };
    expect(result.status).toBe('manual');
    expect(out.stderr).toContain('SEGSTUDIO_CHROMIUM points to /nowhere/chromium');
  });
});
