/**
 * Reads a PyTorch `torch.save(model.state_dict(), f)` file (the zip format PyTorch writes since
 * 1.6: `NAME/data.pkl` + raw little-endian storages `NAME/data/KEY`) into float32 arrays.
 * Only tensors of float storages are supported, which is what a trained model's weights are.
 */
import { readZip } from '../../fs/zip';
import { PickleCall, PickleGlobal, unpickle } from './pickle';

export interface TorchTensor {
  readonly shape: readonly number[];
  /** Contiguous, row-major (C order) values. */
  readonly data: Float32Array;
}

interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: string;
  readonly key: string;
  readonly numel: number;
}

interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: number[];
  readonly stride: number[];
}

const BYTES_PER: Record<string, number> = {
  FloatStorage: 4,
  DoubleStorage: 8,
  HalfStorage: 2,
  BFloat16Storage: 2,
};

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x));
}

function storageFromPid(pid: unknown, file: string): StorageRef {
  // ('storage', <class torch.FloatStorage>, key, location, numel)
  if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof PickleGlobal)) {
    throw new Error(`${file}: unexpected persistent id ${JSON.stringify(pid)}`);
  }
  const [, type, key, , numel] = pid as [string, PickleGlobal, unknown, unknown, unknown];
  if (typeof key !== 'string' || typeof numel !== 'number') {
    throw new Error(`${file}: malformed storage reference`);
  }
  if (!(type.name in BYTES_PER)) {
    throw new Error(
      `${file}: storage type ${type.qualified} is not a float type (not model weights?)`,
    );
  }
  return { kind: 'storage', dtype: type.name, key, numel };
}

function rebuild(call: PickleCall, file: string): unknown {
  const fn = call.fn instanceof PickleGlobal ? call.fn.qualified : '';
  if (fn === 'torch._utils._rebuild_tensor_v2' || fn === 'torch._utils._rebuild_tensor') {
    const [storage, offset, shape, stride] = call.args;
    const isStorage = (v: unknown): v is StorageRef => (v as StorageRef | null)?.kind === 'storage';
    if (
      !isStorage(storage) ||
      typeof offset !== 'number' ||
      !isIntArray(shape) ||
      !isIntArray(stride)
    ) {
      throw new Error(`${file}: malformed tensor in the pickle`);
    }
    return { kind: 'tensor', storage, offset, shape, stride } satisfies TensorRef;
  }
  // nn.Parameter wraps the tensor it rebuilds.
  if (fn === 'torch._utils._rebuild_parameter') return call.args[0];
  return call;
}

function decodeStorage(bytes: Buffer, dtype: string): Float32Array {
  const n = bytes.length / BYTES_PER[dtype]!;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < n; i++) {
    if (dtype === 'FloatStorage') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'DoubleStorage') out[i] = view.getFloat64(i * 8, true);
    else if (dtype === 'BFloat16Storage') {
      out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
    } else out[i] = halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Gathers a (possibly strided) view into a contiguous array. */
function gather(storage: Float32Array, ref: TensorRef): Float32Array {
  const size = ref.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  const rank = ref.shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let at = ref.offset;
    for (let d = 0; d < rank; d++) at += index[d]! * ref.stride[d]!;
    if (at >= storage.length) throw new Error('tensor view reaches past its storage');
    out[i] = storage[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < ref.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

export function readTorchStateDict(
  zipBytes: Buffer,
  file = 'state_dict',
): Map<string, TorchTensor> {
  let entries;
  try {
    entries = readZip(zipBytes);
  } catch (err) {
    throw new Error(
      `${file}: not a PyTorch zip checkpoint (${(err as Error).message}); re-save it with torch >= 1.6`,
    );
  }
  const pkl = entries.find((e) => e.name.endsWith('/data.pkl') || e.name === 'data.pkl');
  if (!pkl) throw new Error(`${file}: no data.pkl inside; not a torch.save file`);
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.name, e.data]));
  const byteorder = byName.get(`${prefix}byteorder`);
  if (byteorder && Buffer.from(byteorder).toString('latin1') !== 'little') {
    throw new Error(`${file}: big-endian checkpoints are not supported`);
  }
  const root = unpickle(Buffer.from(pkl.data), {
    persistentLoad: (pid) => storageFromPid(pid, file),
    reduce: (call) => rebuild(call, file),
  });
  if (!(root instanceof Map)) {
    throw new Error(`${file}: the pickle holds no dict; expected a state_dict (not a whole model)`);
  }
  const storages = new Map<string, Float32Array>();
  const out = new Map<string, TorchTensor>();
  for (const [key, value] of root) {
    const ref = value as TensorRef | undefined;
    if (typeof key !== 'string' || ref?.kind !== 'tensor') continue;
    let storage = storages.get(ref.storage.key);
    if (!storage) {
      const raw = byName.get(`${prefix}data/${ref.storage.key}`);
      if (!raw) throw new Error(`${file}: storage data/${ref.storage.key} of "${key}" is missing`);
      storage = decodeStorage(Buffer.from(raw), ref.storage.dtype);
      storages.set(ref.storage.key, storage);
    }
    out.set(key, { shape: ref.shape, data: gather(storage, ref) });
  }
  return out;
}
