import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCamvid, maskPixelOf, POLL, trainIds } from './editor-support';
import { openBrowser, startServe, stop, type ServeHandle } from './harness';

// kill -9 of the host between a stroke and its autosave: the journal alone brings it back.

const PAVEMENT_RGB = [60, 40, 222];

let datasetDir: string;
let dataDir: string;

beforeAll(() => {
  datasetDir = copyCamvid(2);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'segstudio-e2e-editor-crash-'));
});

afterAll(async () => {
  await stop();
  rmSync(datasetDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

async function openEditor(serve: ServeHandle, id: string): Promise<Page> {
  const { page } = await openBrowser(serve.url);
  await page.getByTestId('nav-start').waitFor();
  // No autosave in this test: only the journal may carry the edit through the crash.
  await page.evaluate(() => localStorage.setItem('segstudio.autosaveIdleMs', '3600000'));
  await page.goto(`${serve.origin}/#/label/train/${encodeURIComponent(id)}`);
  await page.reload();
  await expect
    .poll(() => page.getByTestId('label-editor').getAttribute('data-loaded'), POLL)
    .toBe(`train/${id}`);
  return page;
}

describe('editor crash recovery', () => {
  it('replays the journal after kill -9 of the host, then saves', async () => {
    const id = trainIds(datasetDir)[1]!;
    const first = await startServe({ args: [datasetDir], dataDir });
    const page = await openEditor(first, id);
    // Acknowledged journal calls, matched to their requests on the WebSocket.
    const journalIds = new Set<number>();
    let journaled = 0;
    let saves = 0;
    page.on('websocket', (ws) => {
      ws.on('framesent', (frame) => {
        const msg = JSON.parse(String(frame.payload)) as { id: number; channel: string };
        if (msg.channel === 'labels:journal') journalIds.add(msg.id);
        if (msg.channel === 'labels:save') saves++;
      });
      ws.on('framereceived', (frame) => {
        const msg = JSON.parse(String(frame.payload)) as { id?: number; result?: { ok: boolean } };
        if (msg.id !== undefined && journalIds.has(msg.id) && msg.result?.ok) journaled++;
      });
    });
    // The socket opened before the listener: reconnect so its frames are seen.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('label-editor').getAttribute('data-loaded'), POLL)
      .toBe(`train/${id}`);

    const before = await maskPixelOf(page, 300, 200);
    await page.getByTestId('class-option-4').click();
    await page.getByTestId('brush-size').fill('9');
    const box = (await page.getByTestId('editor-canvas').boundingBox())!;
    const at = (x: number, y: number) =>
      [box.x + (x / 480) * box.width, box.y + (y / 360) * box.height] as const;
    await page.mouse.move(...at(280, 200));
    await page.mouse.down();
    await page.mouse.move(...at(320, 200), { steps: 6 });
    await page.mouse.up();
    expect((await maskPixelOf(page, 300, 200)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect(before.slice(0, 3)).not.toEqual(PAVEMENT_RGB);
    expect(await page.getByTestId('save-state').getAttribute('data-state')).toBe('dirty');
    await expect.poll(() => journaled, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(saves).toBe(0);

    process.kill(first.pid, 'SIGKILL');
    await page.context().browser()?.close();

    const second = await startServe({ args: [datasetDir], dataDir });
    const again = await openEditor(second, id);
    expect((await maskPixelOf(again, 300, 200)).slice(0, 3)).toEqual(PAVEMENT_RGB);
    expect((await maskPixelOf(again, 300, 190)).slice(0, 3)).toEqual(before.slice(0, 3));
    // Recovered edits are unsaved until the next save, which "leave the sample" forces.
    expect(await again.getByTestId('save-state').getAttribute('data-state')).toBe('dirty');
    await again.getByTestId('editor-back').click();
    await again.getByTestId('sample-stage').waitFor();
    await again.goto(`${second.origin}/#/label/train/${encodeURIComponent(id)}`);
    await expect
      .poll(() => again.getByTestId('label-editor').getAttribute('data-loaded'), POLL)
      .toBe(`train/${id}`);
    expect(await again.getByTestId('save-state').getAttribute('data-state')).toBe('saved');
    expect((await maskPixelOf(again, 300, 200)).slice(0, 3)).toEqual(PAVEMENT_RGB);
  });
});
