import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  hardenedWebPreferences,
  isAppUrl,
  isTrustedSender,
} from '../../main/electron/security';

const index = 'file:///opt/Seg%20Studio/resources/app.asar/out/renderer/index.html';

describe('Electron security policy', () => {
  it('sandboxes the renderer with context isolation and no Node', () => {
    const prefs = hardenedWebPreferences('/x/preload.cjs');
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('allows only the app page, not other files or remote sites', () => {
    expect(isAppUrl(`${index}#/browse`, index)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', index)).toBe(false);
    expect(isAppUrl(index.replace('file:///', 'file://evil.example/'), index)).toBe(false);
    expect(isAppUrl(`${index}?x=1`, index)).toBe(true);
    expect(isAppUrl('https://example.com/', index)).toBe(false);
    expect(isAppUrl('not a url', index)).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/x', index, 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', index, 'http://localhost:5173')).toBe(false);
  });

  it('serves IPC only to the app frame', () => {
    expect(isTrustedSender(index, index)).toBe(true);
    expect(isTrustedSender(undefined, index)).toBe(false);
    expect(isTrustedSender('https://evil.test/', index)).toBe(false);
  });

  it('has a strict CSP without unsafe-eval or remote scripts', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/\bhttps?:|\*/);
  });

  it('ships the same policy in the page itself (file:// loads get no response headers)', () => {
    const html = readFileSync(path.join(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const directives = (policy: string) =>
      new Map(
        policy.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name!, values.join(' ')];
        }),
      );
    const page = directives(meta!);
    const shell = directives(CONTENT_SECURITY_POLICY);
    // frame-ancestors is ignored in <meta>; every other directive must match the shell's.
    for (const [name, value] of shell) {
      if (name !== 'frame-ancestors') expect(page.get(name), name).toBe(value);
    }
  });
});
