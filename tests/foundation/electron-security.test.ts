import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL } from '../../main/electron/app-scheme';
import {
  CONTENT_SECURITY_POLICY,
  hardenedWebPreferences,
  isAllowedExternalUrl,
  isAppUrl,
  isTrustedSender,
} from '../../main/electron/security';
import { EXTERNAL_LINKS } from '../../shared/external-links';

const index = APP_INDEX_URL;

describe('Electron security policy', () => {
  it('sandboxes the renderer with context isolation and no Node', () => {
    const prefs: Record<string, unknown> = hardenedWebPreferences('/x/preload.cjs');
    for (const on of ['sandbox', 'contextIsolation', 'webSecurity'])
      expect(prefs[on], on).toBe(true);
    const off = ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames'];
    for (const name of [...off, 'allowRunningInsecureContent', 'webviewTag']) {
      expect(prefs[name], name).toBe(false);
    }
  });

  it('allows only the app page, not other files or remote sites', () => {
    expect(index).toBe('app://segstudio/index.html');
    expect(isAppUrl(`${index}#/browse`, index)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', index)).toBe(false);
    // The renderer is no longer a file:// page: its old URL is not the app either.
    expect(
      isAppUrl('file:///opt/Seg%20Studio/resources/app.asar/out/renderer/index.html', index),
    ).toBe(false);
    expect(isAppUrl('app://evil.example/index.html', index)).toBe(false);
    expect(isAppUrl('app://segstudio/other.html', index)).toBe(false);
    expect(isAppUrl('segmedia://media/index.html', index)).toBe(false);
    expect(isAppUrl(`${index}?x=1`, index)).toBe(true);
    expect(isAppUrl('https://example.com/', index)).toBe(false);
    expect(isAppUrl('not a url', index)).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/x', index, 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', index, 'http://localhost:5173')).toBe(false);
  });

  it('opens in the browser only the links the app itself shows', () => {
    for (const link of Object.values(EXTERNAL_LINKS)) {
      expect(isAllowedExternalUrl(link), link).toBe(true);
      expect(isAllowedExternalUrl(`${link}#section`), link).toBe(true);
    }
    const link = EXTERNAL_LINKS.tfjsLayersFormat;
    expect(isAllowedExternalUrl(link.replace('https://www.', 'HTTPS://WWW.'))).toBe(true);
    for (const bad of [
      'https://evil.example/',
      `${link}/../../evil`,
      `${link}?next=https://evil.example`,
      link.replace('https://', 'http://'),
      link.replace('https://', 'https://user:pw@'),
      link.replace('tensorflow.org', 'tensorflow.org.evil.example'),
      link.replace('tensorflow.org', 'tensorflow.org:8443'),
      'file:///etc/passwd',
      'smb://server/share',
      'ms-settings:privacy',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(bad), bad).toBe(false);
    }
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

  it('ships the same policy in the page itself as in the app:// response header', () => {
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
