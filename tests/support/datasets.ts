import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * The read-only CamVid copy: `../shared/datasets/camvid` beside the checkout (as CI lays it
 * out), else SEGSTUDIO_SHARED_DIR. Tests fail loudly rather than skip when it is missing.
 */
export function camvidDir(): string {
  const candidates = [
    process.env['SEGSTUDIO_SHARED_DIR'] &&
      path.join(process.env['SEGSTUDIO_SHARED_DIR'], 'datasets', 'camvid'),
    path.resolve(root, '..', 'shared', 'datasets', 'camvid'),
  ].filter((c): c is string => typeof c === 'string' && c.length > 0);
  const found = candidates.find((dir) => existsSync(path.join(dir, 'train.txt')));
  if (!found) throw new Error(`CamVid not found; looked in: ${candidates.join(', ')}`);
  return found;
}

export const CAMVID = camvidDir();
