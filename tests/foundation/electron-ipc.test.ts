import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL } from '../../main/electron/app-scheme';
import { handleIpcCall, type IpcSender } from '../../main/electron/ipc-call';
import { createServeHost } from '../../main/serve/host';
import { createAppServices, type AppServices } from '../../main/services/index';

// The exact path an ipcMain.handle call takes in the Electron shell, with the real services.
const index = APP_INDEX_URL;
const policy = { rendererIndexUrl: index };
const appPage: IpcSender = { frameUrl: `${index}#/browse`, isTopFrame: true, webContentsId: 1 };

let base: string;
let services: AppServices;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'segstudio-ipc-'));
  services = createAppServices(createServeHost(base));
});

afterAll(async () => {
  await services.dispose();
  rmSync(base, { recursive: true, force: true });
});

const call = (channel: string, payload: unknown, sender: IpcSender = appPage) =>
  handleIpcCall(services.dispatcher, channel, payload, sender, policy);

describe('Electron IPC calls', () => {
  it('serves the app page', async () => {
    expect(await call('system:ping', { nonce: 'n' })).toMatchObject({
      ok: true,
      value: { nonce: 'n' },
    });
  });

  it('refuses other pages, iframes (even of the app) and vanished frames before any service runs', async () => {
    const senders: [string, IpcSender][] = [
      ['remote page', { ...appPage, frameUrl: 'https://evil.example/' }],
      ['another local file', { ...appPage, frameUrl: 'file:///tmp/evil.html' }],
      [
        'the old file:// renderer page',
        {
          ...appPage,
          frameUrl: 'file:///opt/Seg%20Studio/resources/app.asar/out/renderer/index.html',
        },
      ],
      ['another app:// host', { ...appPage, frameUrl: 'app://evil/index.html' }],
      ['another file of the app scheme', { ...appPage, frameUrl: 'app://segstudio/bridge.js' }],
      ['a data: URL', { ...appPage, frameUrl: 'data:text/html,<script></script>' }],
      ['an iframe of the app page', { ...appPage, isTopFrame: false }],
      ['an iframe elsewhere', { ...appPage, frameUrl: 'https://evil.example/', isTopFrame: false }],
      ['a frame that is gone', { ...appPage, frameUrl: undefined }],
    ];
    for (const [what, sender] of senders) {
      // A project call would touch the disk: it must not even be validated.
      const r = await call('project:openDataset', { datasetDir: '/' }, sender);
      expect(r, what).toEqual({
        ok: false,
        error: { code: 'forbidden', message: 'Untrusted sender' },
      });
    }
  });

  it('validates every payload against the contract (zod) for the trusted page too', async () => {
    expect(await call('system:ping', { nonce: 5 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await call('evaluation:exportModel', { runName: '../../etc' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await call('fs:readFile', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_channel' },
    });
  });

  it('accepts the dev server only when one is configured', async () => {
    const dev: IpcSender = { ...appPage, frameUrl: 'http://localhost:5173/#/' };
    expect((await call('system:ping', { nonce: 'a' }, dev)).ok).toBe(false);
    const r = await handleIpcCall(services.dispatcher, 'system:ping', { nonce: 'a' }, dev, {
      rendererIndexUrl: index,
      devServerUrl: 'http://localhost:5173',
    });
    expect(r.ok).toBe(true);
  });
});
