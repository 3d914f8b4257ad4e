// Checks of the native backend: does tfjs-node load and compute in a fresh process (probeBinding), and
// does an alleged libtensorflow pair export the C API the binding calls (verifyLibtensorflow).
// Its own file: every source and the entry point ask these two questions.

import os from 'node:os';
import path from 'node:path';

import { NODE_ARCH_TO_ELF, readElfInfo } from './elf.mjs';
import { appendLog, describeRun, run, which } from './util.mjs';

/**
 * Every C / eager C API function tfjs-node 4.22's binding (binding/*.cc) calls, except the header-inline
 * TF_TString_*. They may be split across the two libraries (TF 2.21: TF_NewStatus, TF_NewTensor, ... live in
 * libtensorflow_framework.so.2), so the union of both is checked.
 */
const REQUIRED_SYMBOLS = `
  TF_Version TF_NewStatus TF_DeleteStatus TF_GetCode TF_Message TF_NewTensor TF_AllocateTensor TF_DeleteTensor
  TF_TensorData TF_TensorByteSize TF_TensorElementCount TF_TensorType TF_NumDims TF_Dim TF_DataTypeSize
  TF_NewBuffer TF_NewBufferFromString TF_DeleteBuffer TF_NewGraph TF_DeleteGraph TF_GraphOperationByName
  TF_NewSessionOptions TF_DeleteSessionOptions TF_LoadSessionFromSavedModel TF_SessionRun TF_DeleteSession
  TF_DeviceListCount TF_DeviceListName TF_DeviceListType TF_DeleteDeviceList
  TFE_NewContextOptions TFE_DeleteContextOptions TFE_NewContext TFE_DeleteContext TFE_ContextListDevices
  TFE_NewOp TFE_DeleteOp TFE_OpAddInput TFE_Execute TFE_OpSetAttrBool TFE_OpSetAttrBoolList TFE_OpSetAttrFloat
  TFE_OpSetAttrFloatList TFE_OpSetAttrInt TFE_OpSetAttrIntList TFE_OpSetAttrShape TFE_OpSetAttrString
  TFE_OpSetAttrType TFE_NewTensorHandle TFE_DeleteTensorHandle TFE_TensorHandleResolve TFE_TensorHandleDataType
  TFE_TensorHandleNumDims TFE_TensorHandleDim TFE_TensorHandleCopyToDevice
`
  .trim()
  .split(/\s+/);

const PROBE_MARK = '@@SEGSTUDIO_PROBE@@';

// ---------------------------------------------------------------------------
// Probe: does require('@tensorflow/tfjs-node') work, in a fresh process?
// ---------------------------------------------------------------------------

const PROBE_SCRIPT = `
const out = {};
const t0 = Date.now();
try {
  const tf = require('@tensorflow/tfjs-node');
  out.loadMs = Date.now() - t0;
  out.backend = tf.getBackend();
  const be = tf.backend();
  out.tfVersion = be && be.binding ? be.binding.TF_Version : null;
  out.tfjsNodeVersion = tf.version['tfjs-node'];
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const m = tf.matMul(a, a).add(tf.scalar(1)).arraySync();
  const c = Array.from(tf.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 1]), 1, 'valid').dataSync());
  out.op = { matmul: m, conv: c };
  out.opOk = JSON.stringify(m) === '[[8,11],[16,23]]' && JSON.stringify(c) === '[9,9,9,9]';
  try {
    const pj = require.resolve('@tensorflow/tfjs-node/package.json');
    out.bindingPath = require('module').createRequire(pj)('@mapbox/node-pre-gyp').find(pj);
  } catch (e) {}
} catch (e) {
  out.error = String((e && e.message) || e);
}
process.stdout.write('\\n${PROBE_MARK}' + JSON.stringify(out) + '\\n');
`;

/**
 * Load tfjs-node in a child process (cwd = project root), run a matMul and a conv2d.
 * @returns {{ok:boolean, backend?:string, tfVersion?:string, tfjsNodeVersion?:string, bindingPath?:string, error?:string, ms:number}}
 */
export async function probeBinding(root, { timeoutMs = 120_000 } = {}) {
  const r = await run(process.execPath, ['-e', PROBE_SCRIPT], {
    cwd: root,
    capture: true,
    timeoutMs,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith(PROBE_MARK));
  if (!line) {
    const why = r.timedOut ? describeRun(r) : `probe process died (${describeRun(r)})`;
    const lastErr = r.stderr.trim().split('\n').slice(-3).join(' | ');
    return { ok: false, error: lastErr ? `${why}: ${lastErr}` : why, ms: r.ms };
  }
  const res = JSON.parse(line.slice(PROBE_MARK.length));
  res.ms = r.ms;
  if (res.error) {
    res.error = res.error.split('\n')[0].slice(0, 400);
  } else if (res.backend !== 'tensorflow') {
    res.error = `backend is '${res.backend}', not 'tensorflow'`;
  } else if (!res.opOk) {
    res.error = `native ops returned wrong results: ${JSON.stringify(res.op)}`;
  } else if (!res.tfVersion) {
    res.error = 'binding does not report TF_Version';
  }
  res.ok = !res.error;
  return res;
}

// ---------------------------------------------------------------------------
// Library checks
// ---------------------------------------------------------------------------

/**
 * Check an (alleged) libtensorflow pair: ELF machine matches this machine, and the C / eager C API the
 * binding needs is exported by lib + framework (`nm -D` when available, else by loading the library with
 * python3 ctypes, which also yields TF_Version()).
 */
export async function verifyLibtensorflow(libPath, frameworkPath) {
  const want = NODE_ARCH_TO_ELF[os.arch()];
  let info;
  for (const f of [libPath, frameworkPath]) {
    let i;
    try {
      i = readElfInfo(f);
    } catch (e) {
      return { ok: false, reason: e.message };
    }
    if (want && i.machine !== want) {
      return {
        ok: false,
        reason: `${path.basename(f)} is built for ${i.machine}, this machine is ${want}`,
      };
    }
    info ??= i;
  }
  const nm = which('nm');
  if (nm) {
    const found = new Set();
    const re = /^[0-9a-fA-F]*\s+[TtWi]\s+(TFE?_[A-Za-z0-9_]+)(?:@@?\S+)?$/;
    let okAll = true;
    for (const f of [libPath, frameworkPath]) {
      let rest = '';
      const r = await run(nm, ['-D', '--defined-only', f], {
        logOutput: false,
        timeoutMs: 180_000,
        onStdout: (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const l of lines) {
            if (!l.includes(' TF')) continue;
            const m = re.exec(l);
            if (m) found.add(m[1]);
          }
        },
      });
      if (r.code !== 0) {
        okAll = false;
        appendLog(`nm failed on ${f} (${describeRun(r)}), falling back to ctypes`);
        break;
      }
    }
    if (okAll) {
      const missing = REQUIRED_SYMBOLS.filter((s) => !found.has(s));
      if (missing.length) {
        const names = `${path.basename(libPath)} + ${path.basename(frameworkPath)}`;
        const list =
          missing.length > 6
            ? `${missing.slice(0, 6).join(', ')} and ${missing.length - 6} more`
            : missing.join(', ');
        return { ok: false, reason: `${names} do not export ${list} (nm -D)`, info };
      }
      return {
        ok: true,
        method: `nm -D: all ${REQUIRED_SYMBOLS.length} C API functions the binding uses are exported`,
        info,
      };
    }
  }
  const py = which('python3') || which('python');
  if (py) {
    // Loading lib pulls in its NEEDED framework; dlsym on the handle searches both.
    const script = [
      'import ctypes, json, sys',
      'ctypes.CDLL(sys.argv[2], mode=ctypes.RTLD_GLOBAL)',
      'lib = ctypes.CDLL(sys.argv[1])',
      `missing = [s for s in ${JSON.stringify(REQUIRED_SYMBOLS)} if not hasattr(lib, s)]`,
      'lib.TF_Version.restype = ctypes.c_char_p',
      'print(json.dumps({"missing": missing, "version": lib.TF_Version().decode() if "TF_Version" not in missing else None}))',
    ].join('\n');
    const r = await run(py, ['-c', script, libPath, frameworkPath], {
      capture: true,
      timeoutMs: 120_000,
    });
    if (r.code === 0) {
      const j = JSON.parse(r.stdout.trim().split('\n').pop());
      if (j.missing.length)
        return {
          ok: false,
          reason: `${path.basename(libPath)} lacks ${j.missing.join(', ')}`,
          info,
        };
      return {
        ok: true,
        method: 'loaded with python3 ctypes, all C API functions present',
        version: j.version,
        info,
      };
    }
    return {
      ok: false,
      reason: `cannot load ${path.basename(libPath)}: ${r.stderr.trim().split('\n').pop()}`,
      info,
    };
  }
  return {
    ok: true,
    method: 'not checked (no nm, no python3); the binding load check will tell',
    info,
  };
}
