import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdMask } from '../../main/dataset/label-source';
import { LabelsIndexFile } from '../../main/labels/index-file';
import { LabelStore } from '../../main/labels/store';
import { bundleForTest } from '../support/build';
import { tempDir } from '../support/folders';

const W = 640;
const H = 480;

/** Runs the save loop until it has printed `saved <stopAt>`, then SIGKILLs it. */
function saveAndKill(bundle: string, projectDir: string, stopAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, projectDir, String(W), String(H)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = 0;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const m of buffer.matchAll(/saved (\d+)\n/g)) last = Number(m[1]);
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
      if (last >= stopAt) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(last));
  });
}

describe('labels survive kill -9 during saves', () => {
  const work = tempDir('labels-crash');
  const bundle = bundleForTest(path.join(__dirname, 'fixtures', 'save-loop.ts'), 'labels-save');
  afterAll(() => work.cleanup());

  it('every mask file decodes to a whole revision and the index is never torn', async () => {
    const projectDir = path.join(work.dir, 'project');
    // Several kills at different points of the 200 saves; each run continues the last.
    let total = 0;
    for (const stopAt of [3, 17, 41, 90, 200]) {
      const printed = await saveAndKill(bundle, projectDir, stopAt);
      expect(printed).toBeGreaterThanOrEqual(Math.min(stopAt, total + 1));
      const indexText = readFileSync(path.join(projectDir, 'labels', 'index.json'), 'utf8');
      const index = LabelsIndexFile.parse(JSON.parse(indexText));
      const entry = index.samples['train/s1']!;
      // Every save it reported is in the index (the kill lands some saves later, anywhere).
      expect(entry.revision).toBeGreaterThanOrEqual(printed);
      total = entry.revision;

      const store = await LabelStore.open(projectDir);
      const current = await store.readRevision('train', 's1');
      expect(current!.ids.every((v) => v === entry.revision % 250)).toBe(true);
      const dir = path.join(projectDir, 'labels', 'masks', 'train', 's1');
      for (const name of readdirSync(dir)) {
        const m = /^r(\d+)\.png$/.exec(name);
        if (!m) {
          expect(name).toMatch(/^\..*\.tmp$/); // an unfinished temp file, never a mask
          continue;
        }
        const mask = await readIdMask(path.join(dir, name));
        expect(mask.width * mask.height).toBe(W * H);
        expect(mask.ids.every((v) => v === Number(m[1]) % 250)).toBe(true);
      }
      expect(entry.versions.length).toBeLessThanOrEqual(20);
    }
    expect(total).toBeGreaterThanOrEqual(200);
  }, 300_000);
});
