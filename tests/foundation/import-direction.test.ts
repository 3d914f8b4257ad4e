import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restrictedImportMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('lint enforces the process boundaries', () => {
  it('forbids shared/ from importing main/, Node built-ins or native packages', async () => {
    expect(
      await restrictedImportMessages(
        'shared/x.ts',
        "import { getTf } from '../main/native/backend';\nexport const x = getTf;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImportMessages(
        'shared/x.ts',
        "import fs from 'node:fs';\nexport const x = fs;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImportMessages(
        'shared/x.ts',
        "import sharp from 'sharp';\nexport const x = sharp;\n",
      ),
    ).toHaveLength(1);
  });

  it('catches Node built-ins without the node: prefix, and shared/ reaching up a layer', async () => {
    for (const file of ['shared/x.ts', 'renderer/src/x.ts']) {
      for (const spec of ['fs', 'fs/promises', 'path', 'child_process']) {
        const code = `import * as m from '${spec}';\nexport const x = m;\n`;
        expect({ file, spec, n: (await restrictedImportMessages(file, code)).length }).toEqual({
          file,
          spec,
          n: 1,
        });
      }
    }
    // A package whose name merely starts like a built-in is fine.
    expect(
      await restrictedImportMessages(
        'shared/x.ts',
        "import { z } from 'zod';\nexport const x = z;\n",
      ),
    ).toEqual([]);
    for (const spec of ['../renderer/src/api', '../preload/web']) {
      const code = `import * as m from '${spec}';\nexport const x = m;\n`;
      expect(await restrictedImportMessages('shared/x.ts', code)).toHaveLength(1);
    }
    const fromPreload =
      "import { packageRoot } from '../main/paths';\nexport const x = packageRoot;\n";
    expect(await restrictedImportMessages('preload/x.ts', fromPreload)).toHaveLength(1);
  });

  it('forbids renderer/ from importing main/, preload/ or electron', async () => {
    expect(
      await restrictedImportMessages(
        'renderer/src/x.ts',
        "import { packageRoot } from '../../main/paths';\nexport const x = packageRoot;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImportMessages(
        'renderer/src/x.ts',
        "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
      ),
    ).toHaveLength(1);
  });

  it('lets renderer/ import shared/', async () => {
    expect(
      await restrictedImportMessages(
        'renderer/src/x.ts',
        "import { contracts } from '../../shared/contracts/index';\nexport const x = contracts;\n",
      ),
    ).toEqual([]);
  });

  it('forbids main/ from importing renderer/', async () => {
    expect(
      await restrictedImportMessages(
        'main/x.ts',
        "import { api } from '../renderer/src/api';\nexport const x = api;\n",
      ),
    ).toHaveLength(1);
  });
});
