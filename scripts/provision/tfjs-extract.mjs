// Unpacking a libtensorflow from a tensorflow wheel (python3 zipfile, else unzip) or a .tar.gz,
// and a cache key for a user-supplied archive. Its own file: the 'dir' and 'pypi' sources share it.

import fs from 'node:fs';
import path from 'node:path';

import { appendLog, describeRun, rmrf, run, which } from './util.mjs';

// ---------------------------------------------------------------------------
// Extraction helpers
// ---------------------------------------------------------------------------

const WHEEL_EXTRACT_PY = `
import os, shutil, sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
libs = {}
inc_prefix = None
n = 0
with zipfile.ZipFile(whl) as z:
    names = z.namelist()
    for cand in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow.so.2'):
        if cand in names:
            libs[cand] = 'lib/' + cand.split('/')[-1]
            break
    if 'tensorflow/libtensorflow_framework.so.2' in names:
        libs['tensorflow/libtensorflow_framework.so.2'] = 'lib/libtensorflow_framework.so.2'
    if len(libs) != 2:
        sys.exit('wheel does not contain tensorflow/libtensorflow_cc.so.2 and tensorflow/libtensorflow_framework.so.2')
    if not any(x.startswith('tensorflow/include/tensorflow/c/') for x in names):
        sys.exit('wheel does not contain tensorflow/include/tensorflow/c/')
    root = os.path.realpath(dest)
    for info in z.infolist():
        name = info.filename
        if name in libs:
            out = os.path.join(dest, libs[name])
        elif name.startswith('tensorflow/include/') and not name.endswith('/'):
            out = os.path.join(dest, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        if not os.path.realpath(out).startswith(root + os.sep):
            sys.exit('unsafe path in wheel: ' + name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        if name in libs:
            os.chmod(out, 0o755)
        n += 1
print('extracted %d files' % n)
`;

/** Extract the two libraries and the include tree from a tensorflow wheel into `dest` (lib/, include/). */
export async function extractWheel(whl, dest) {
  rmrf(dest);
  fs.mkdirSync(dest, { recursive: true });
  const py = which('python3') || which('python');
  if (py) {
    const r = await run(py, ['-', whl, dest], {
      input: WHEEL_EXTRACT_PY,
      capture: true,
      timeoutMs: 20 * 60_000,
    });
    if (r.code === 0) return { ok: true, tool: 'python3 zipfile' };
    const why = r.stderr.trim().split('\n').pop() || describeRun(r);
    if (!which('unzip')) return { ok: false, reason: `extracting the wheel failed: ${why}` };
    appendLog(`python extraction failed (${why}); trying unzip`);
  }
  const unzip = which('unzip');
  if (!unzip)
    return {
      ok: false,
      reason: 'cannot extract the wheel: neither python3 nor unzip is available',
    };
  const tmp = path.join(dest, '.unzip');
  const r = await run(
    unzip,
    [
      '-q',
      '-o',
      whl,
      'tensorflow/libtensorflow_cc.so.2',
      'tensorflow/libtensorflow_framework.so.2',
      'tensorflow/include/*',
      '-d',
      tmp,
    ],
    { timeoutMs: 20 * 60_000 },
  );
  if (r.code !== 0) return { ok: false, reason: `unzip failed (${describeRun(r)})` };
  fs.mkdirSync(path.join(dest, 'lib'));
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    fs.renameSync(path.join(tmp, 'tensorflow', f), path.join(dest, 'lib', f));
    fs.chmodSync(path.join(dest, 'lib', f), 0o755);
  }
  fs.renameSync(path.join(tmp, 'tensorflow', 'include'), path.join(dest, 'include'));
  rmrf(tmp);
  return { ok: true, tool: 'unzip' };
}

export async function extractTarball(file, dest, tfjs) {
  rmrf(dest);
  fs.mkdirSync(dest, { recursive: true });
  const tar = which('tar');
  if (tar) {
    const r = await run(tar, ['-xzf', file, '-C', dest], { timeoutMs: 20 * 60_000 });
    if (r.code === 0) return { ok: true };
    return { ok: false, reason: `tar -xzf failed (${describeRun(r)})` };
  }
  try {
    tfjs.req('tar').x({ file, cwd: dest, sync: true, strict: true });
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `extracting ${path.basename(file)} failed: ${e.message}` };
  }
}

export function fileKey(file) {
  const st = fs.statSync(file);
  let h = 0;
  for (const ch of `${fs.realpathSync(file)}|${st.size}|${st.mtimeMs}`)
    h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0');
}
