import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { repoRoot, screenshot } from './harness';

/**
 * The Electron shell, when its binary is installed. This machine (and CI) cannot download
 * Electron, so the suite skips with the reason instead of failing; everything the shell wires
 * up (services, media resolver, security policy) is covered in plain Node and serve mode.
 */
function electronBinary(): { path: string | null; reason: string } {
  try {
    const resolved = createRequire(import.meta.url)('electron') as unknown;
    if (typeof resolved !== 'string')
      return { path: null, reason: 'require("electron") did not return a path' };
    if (!existsSync(resolved))
      return { path: null, reason: `the Electron binary ${resolved} does not exist` };
    return { path: resolved, reason: '' };
  } catch (err) {
    return {
      path: null,
      reason: `the Electron binary is not installed (${(err as Error).message.split('\n')[0]})`,
    };
  }
}

const binary = electronBinary();
if (!binary.path) console.warn(`[e2e] electron suite skipped: ${binary.reason}`);

describe.skipIf(!binary.path)(
  `Electron shell${binary.path ? '' : ` (skipped: ${binary.reason})`}`,
  () => {
    it('opens a sandboxed window on the start page with the backend shown', async () => {
      const app = await electron.launch({
        executablePath: binary.path!,
        args: [path.join(repoRoot, 'out', 'main', 'electron.cjs')],
        env: { ...process.env, ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' },
      });
      try {
        const page = await app.firstWindow();
        await page.getByTestId('backend-name').waitFor({ timeout: 60_000 });
        const isolated = await page.evaluate(
          () => typeof (globalThis as { require?: unknown }).require,
        );
        expect(isolated).toBe('undefined');
        // Served by the app:// handler, not from file:// (Electron security checklist 18).
        expect(page.url()).toMatch(/^app:\/\/segstudio\/index\.html(#|$)/);
        await screenshot(page, 'electron-start');
      } finally {
        await app.close();
      }
    });
  },
);
