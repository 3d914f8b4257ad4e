/**
 * Runs code with libtensorflow's direct kernels switched off (SEGSTUDIO_NATIVE_KERNELS=0), so a
 * test can check the native path and its pure-tfjs fallback against the same reference.
 */
export function withKernelPath<T>(path: 'native' | 'js', fn: () => T): T {
  const before = process.env['SEGSTUDIO_NATIVE_KERNELS'];
  if (path === 'js') process.env['SEGSTUDIO_NATIVE_KERNELS'] = '0';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env['SEGSTUDIO_NATIVE_KERNELS'];
    else process.env['SEGSTUDIO_NATIVE_KERNELS'] = before;
  }
}
