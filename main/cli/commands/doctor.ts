import os from 'node:os';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { appVersion, packageRoot } from '../../paths';
import { backendInfo } from '../../native/backend';
import { warnIfFallback } from '../fallback-warning';
import type { CliCommand } from '../framework';

const requireFromHere = createRequire(import.meta.url);

interface SharpVersions {
  versions: { sharp?: string; vips?: string };
  concurrency(): number;
}

/** What `npm run setup` recorded; a damaged record is reported, it must not break doctor. */
export function readProvisioningStatus(
  file = path.join(packageRoot(), 'node_modules', '.segstudio-native.json'),
): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    return { error: `${file} cannot be read (${(err as Error).message}); run \`npm run setup\`` };
  }
}

export function collectDoctorReport(): Record<string, unknown> {
  const backend = backendInfo();
  const sharp = requireFromHere('sharp') as SharpVersions;
  const onednnFlag = process.env['TF_ENABLE_ONEDNN_OPTS'];
  return {
    segstudio: appVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    backend: backend.backend,
    native: backend.native,
    tfjs: backend.tfjsVersion,
    libtensorflow: backend.libtensorflowVersion,
    fallbackReason: backend.fallbackReason,
    // libtensorflow sizes its pools to the cores unless these are set.
    threads: {
      intraOp: process.env['TF_NUM_INTRAOP_THREADS'] ?? `auto (${os.cpus().length})`,
      interOp: process.env['TF_NUM_INTEROP_THREADS'] ?? 'auto',
    },
    onednn: backend.native ? onednnFlag !== '0' : false,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips ?? 'unknown',
    sharpConcurrency: sharp.concurrency(),
    provisioning: readProvisioningStatus(),
  };
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Report the compute backend, libtensorflow, threads, sharp/libvips and oneDNN',
  options: {},
  run({ out }) {
    const report = collectDoctorReport();
    warnIfFallback(out);
    out.result(report, () =>
      Object.entries(report)
        .filter(([key]) => key !== 'provisioning')
        .map(
          ([key, value]) =>
            `${key.padEnd(16)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
        )
        .join('\n'),
    );
    return Promise.resolve(0);
  },
};
