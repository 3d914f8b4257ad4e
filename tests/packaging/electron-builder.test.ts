import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../main/paths';

// electron-builder cannot run here (no Electron binary), so check what it would read: keys
// against its own JSON schema, the targets we promise, and that every path it names exists.
const root = packageRoot();
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;

interface Schema {
  properties: Record<string, unknown>;
  definitions: Record<string, { properties?: Record<string, unknown> }>;
}
const schema = JSON.parse(
  readFileSync(path.join(root, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'),
) as Schema;

const SECTION_DEFINITIONS: Record<string, string> = {
  directories: 'MetadataDirectories',
  electronFuses: 'FuseOptionsV1',
  win: 'WindowsConfiguration',
  nsis: 'NsisOptions',
  mac: 'MacConfiguration',
  dmg: 'DmgOptions',
  linux: 'LinuxConfiguration',
  deb: 'DebOptions',
};

const section = (key: string) => config[key] as Record<string, unknown>;
const targetsOf = (key: string) =>
  (section(key)['target'] as { target: string }[]).map((t) => t.target);

/** `out/**` -> `out`, `resources/icons/*.svg` -> `resources/icons`: the part that must exist. */
function staticBase(pattern: string): string {
  const parts = pattern.split('/');
  const cut = parts.findIndex((p) => /[*?{[]/.test(p));
  return (cut < 0 ? parts : parts.slice(0, cut)).join('/');
}

describe('electron-builder.yml', () => {
  it('uses only keys electron-builder knows', () => {
    const unknownTop = Object.keys(config).filter((k) => !(k in schema.properties));
    expect(unknownTop).toEqual([]);
    for (const [key, definition] of Object.entries(SECTION_DEFINITIONS)) {
      const known = schema.definitions[definition]?.properties ?? {};
      const unknown = Object.keys(section(key)).filter((k) => !(k in known));
      expect(unknown, `${key} (${definition})`).toEqual([]);
    }
  });

  it("passes electron-builder's own configuration validator", async () => {
    // The validator electron-builder runs first thing in `electron-builder build`.
    const requireHere = createRequire(import.meta.url);
    const { validateConfiguration } = requireHere('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = requireHere('builder-util') as {
      DebugLogger: new (on: boolean) => unknown;
    };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...config, bogus: true }, new DebugLogger(false)),
    ).rejects.toThrow(/bogus/);
  });

  it('flips the Electron fuses that lock the packaged binary down', () => {
    expect(section('electronFuses')).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // Asar integrity and asar-only loading need the app in an archive at all.
    expect(config['asar']).toBe(true);
  });

  it('names the app, output folder and installer targets', () => {
    expect(config['appId']).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config['productName']).toBe('Seg Studio');
    expect(section('directories')['output']).toBe('dist');
    expect(targetsOf('win')).toEqual(['nsis']);
    expect(targetsOf('mac')).toEqual(['dmg']);
    expect(targetsOf('linux')).toEqual(['AppImage', 'deb']);
    // N-API modules need no rebuild; a rebuild would re-run tfjs-node's downloading install.
    expect(config['npmRebuild']).toBe(false);
  });

  it('unpacks the native modules (libtensorflow, the tfjs-node binding, sharp/libvips) from asar', () => {
    const unpack = config['asarUnpack'] as string[];
    for (const pattern of [
      'node_modules/@tensorflow/tfjs-node/**',
      'node_modules/sharp/**',
      'node_modules/@img/**',
    ]) {
      expect(unpack).toContain(pattern);
      expect(existsSync(path.join(root, staticBase(pattern))), pattern).toBe(true);
    }
    // What the unpacked tfjs-node folder must hold for the native backend to load, and what
    // must stay out of the installer.
    expect(existsSync(path.join(root, 'node_modules/@tensorflow/tfjs-node/lib'))).toBe(true);
    expect(config['files'] as string[]).toContain(
      '!node_modules/@tensorflow/tfjs-node/deps/include/**',
    );
  });

  it('ships the app files and the sample as an extra resource, never CamVid', () => {
    const files = config['files'] as string[];
    expect(files).toContain('out/**');
    expect(files).toContain('package.json');
    for (const pattern of files.filter((f) => !f.startsWith('!'))) {
      expect(existsSync(path.join(root, staticBase(pattern))), pattern).toBe(true);
    }
    const extra = config['extraResources'] as { from: string; to: string }[];
    expect(extra).toContainEqual(
      expect.objectContaining({ from: 'resources/sample', to: 'sample' }),
    );
    for (const entry of extra)
      expect(existsSync(path.join(root, entry.from)), entry.from).toBe(true);
    expect(existsSync(path.join(root, 'resources/sample/labels.json'))).toBe(true);
    expect(JSON.stringify(config).toLowerCase()).not.toContain('camvid');
  });

  it('points at a 512x512 PNG icon for every platform', async () => {
    const icons = new Set(
      [
        config['icon'],
        section('win')['icon'],
        section('mac')['icon'],
        section('linux')['icon'],
      ].map(String),
    );
    expect(icons).toEqual(new Set(['resources/icons/icon.png']));
    const meta = await sharp(path.join(root, 'resources/icons/icon.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
  });

  it('finds the built entry points package.json and the shell load (after `npm run build`)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string;
    };
    for (const file of [
      pkg.main,
      'out/preload/electron.cjs',
      'out/renderer/index.html',
      'out/main/cli.cjs',
    ]) {
      expect(existsSync(path.join(root, file)), `${file} (run npm run build)`).toBe(true);
    }
  });
});
