import { describe, expect, it } from 'vitest';
import { projectContract } from '../../shared/contracts/project';
import { DatasetDescriptor } from '../../shared/dataset/descriptor';
import {
  DATASET_FORMAT_LABELS,
  DATASET_FORMATS,
  unknownFormatMessage,
  type DatasetFormat,
} from '../../shared/dataset/formats';
import { FORMATS, formatModule } from '../../main/dataset/formats/index';
import { openDataset } from '../../main/dataset/index';
import { CAMVID } from '../support/datasets';

describe('dataset-format vocabulary and registry', () => {
  it('registers exactly one module for every name, answering to that name, with a label', () => {
    expect(FORMATS.map((f) => f.format).sort()).toEqual([...DATASET_FORMATS].sort());
    for (const name of DATASET_FORMATS) {
      expect(formatModule(name).format).toBe(name);
      expect(DATASET_FORMAT_LABELS[name].length).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown format instead of falling back to one', async () => {
    const unknown = 'folders' as DatasetFormat;
    expect(() => formatModule(unknown)).toThrow('Unknown dataset format "folders"');
    await expect(openDataset(CAMVID, { format: unknown })).rejects.toThrow(
      'Unknown dataset format "folders"',
    );
    const input = projectContract.methods.openDataset.input;
    expect(input.safeParse({ datasetDir: CAMVID, format: 'pairlist' }).success).toBe(false);
    expect(input.safeParse({ datasetDir: CAMVID, format: 'pair-list' }).success).toBe(true);
    expect(unknownFormatMessage('pairlist')).toBe(
      `must be one of ${DATASET_FORMATS.join(', ')}, got "pairlist" (now called "pair-list")`,
    );
  });

  it('still reads descriptors saved with the names used before the vocabulary was one', () => {
    const saved = {
      version: 1,
      root: '/data/camvid',
      splits: [],
      pairing: { kind: 'pair-list' },
      encoding: 'index',
      classes: [],
      voidId: null,
      labelsSource: 'discovered',
      maxPixels: 100_000_000,
    };
    expect(DatasetDescriptor.parse({ ...saved, format: 'pairlist' }).format).toBe('pair-list');
    expect(DatasetDescriptor.parse({ ...saved, format: 'folders' }).format).toBe('folder-pairs');
    expect(DatasetDescriptor.parse({ ...saved, format: 'voc' }).format).toBe('voc');
    expect(DatasetDescriptor.safeParse({ ...saved, format: 'coco' }).success).toBe(false);
  });
});
