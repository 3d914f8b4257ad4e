import { createRequire } from 'node:module';
import type * as TfNamespace from '@tensorflow/tfjs';
import type { BackendInfo } from '../../shared/contracts/system';

export type Tf = typeof TfNamespace;

const requireFromHere = createRequire(import.meta.url);

interface LoadedBackend {
  readonly tf: Tf;
  readonly info: BackendInfo;
}

let loaded: LoadedBackend | undefined;

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

function libtensorflowVersion(tf: Tf): string | null {
  const versions = tf.version as Record<string, string | undefined>;
  try {
    // The native binding reports the linked libtensorflow through TF_Version().
    const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
    return binding?.TF_Version ?? versions['tfjs-node'] ?? null;
  } catch {
    return null;
  }
}

/**
 * Loads tfjs with the native libtensorflow backend, or falls back to the pure-JS CPU
 * backend and records why. Callers must surface `info.fallbackReason` loudly (CLI warning,
 * UI banner): the fallback is 10-50x slower.
 */
export function loadTf(): LoadedBackend {
  if (loaded) return loaded;
  const forcedJs = process.env['SEGSTUDIO_BACKEND'] === 'cpu';
  let fallbackReason: string | null = forcedJs ? 'SEGSTUDIO_BACKEND=cpu was set' : null;
  if (!forcedJs) {
    // libtensorflow's INFO lines (oneDNN, CPU features) drown CLI output; doctor reports them.
    process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
    // libtensorflow turns its oneDNN kernels on by itself only on x86 CPUs with AVX-512 VNNI
    // and newer; on AVX2-only CPUs it falls back to Eigen, which was 1.3x slower for the
    // default network's step and 2.2x for the seed's (bench/RESULTS.md, "oneDNN on every x86
    // CPU"). Read when the first op runs, so setting it before the load is enough; a value
    // the user set (0 turns it off) wins; an empty one counts as unset, as it does for TF.
    if (process.arch === 'x64' && !process.env['TF_ENABLE_ONEDNN_OPTS']) {
      process.env['TF_ENABLE_ONEDNN_OPTS'] = '1';
    }
    try {
      const tf = requireFromHere('@tensorflow/tfjs-node') as Tf;
      if (tf.getBackend() === 'tensorflow') {
        loaded = { tf, info: describe(tf, null) };
        return loaded;
      }
      fallbackReason = `tfjs-node loaded but the active backend is ${tf.getBackend()}`;
    } catch (err) {
      fallbackReason = `native backend unavailable (${firstLine(err)}); run \`npm run setup\``;
    }
  }
  const tf = requireFromHere('@tensorflow/tfjs') as Tf;
  // Pure-JS backend: register-time only, no native code involved.
  void tf.setBackend('cpu');
  loaded = { tf, info: describe(tf, fallbackReason) };
  return loaded;
}

function describe(tf: Tf, fallbackReason: string | null): BackendInfo {
  const native = fallbackReason === null;
  return {
    backend: tf.getBackend(),
    native,
    tfjsVersion: tf.version.tfjs ?? 'unknown',
    libtensorflowVersion: native ? libtensorflowVersion(tf) : null,
    fallbackReason,
  };
}

export function getTf(): Tf {
  return loadTf().tf;
}

export function backendInfo(): BackendInfo {
  return loadTf().info;
}

export const FALLBACK_BANNER =
  'WARNING: running on the pure-JS CPU backend, 10-50x slower than native libtensorflow.';
