/**
 * Adam (with optional decoupled weight decay) keyed by stable weight names.
 *
 * Not tfjs' AdamOptimizer on purpose: that one creates its slots lazily and positionally,
 * keeps the learning rate fixed at construction, and tracks beta^t by float32 repeated
 * multiplication that `setWeights` recomputes with pow(), so a restored optimizer can drift
 * from the original by a few ulps. Here the slots are created eagerly, keyed by name, the step
 * count is an integer and the bias corrections are computed in float64 from it, so
 * (weights, m, v, iterations) is the complete state and a restore is bit-exact.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../shared/training/config';
import type { Tf } from '../native/backend';

export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface Slot {
  readonly name: string;
  readonly param: tfjs.Variable;
  readonly size: number;
  readonly decay: boolean;
}

export class Adam {
  private readonly slots: Slot[];
  private readonly byVarName = new Map<string, Slot>();
  /**
   * m and v of every parameter, concatenated in slot order. One update is then ~15 tfjs ops on
   * the flat vectors instead of ~12 per parameter (a ~70-parameter network spent most of its
   * Adam time in per-op overhead); the arithmetic per element is the same, so results are too.
   */
  private readonly m: tfjs.Variable;
  private readonly v: tfjs.Variable;
  /** 1 where decoupled weight decay applies (kernels), 0 elsewhere; null without decay. */
  private readonly decayMask: tfjs.Tensor1D | null;
  private iterationsValue = 0;

  constructor(
    private readonly tf: Tf,
    params: readonly { readonly name: string; readonly variable: tfjs.Variable }[],
    private readonly cfg: OptimizerConfig,
  ) {
    this.slots = params.map(({ name, variable }) => {
      const slot: Slot = {
        name,
        param: variable,
        size: variable.size,
        decay: name.endsWith('/kernel') || name.endsWith('/depthwise_kernel'),
      };
      this.byVarName.set(variable.name, slot);
      return slot;
    });
    const total = this.slots.reduce((n, s) => n + s.size, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.decayMask = null;
    if (cfg.weightDecay > 0 && this.slots.some((s) => s.decay)) {
      const mask = new Float32Array(total);
      let offset = 0;
      for (const s of this.slots) {
        if (s.decay) mask.fill(1, offset, offset + s.size);
        offset += s.size;
      }
      this.decayMask = tf.tensor1d(mask, 'float32');
    }
  }

  get iterations(): number {
    return this.iterationsValue;
  }

  /** The variables to differentiate, in slot order. */
  get variables(): tfjs.Variable[] {
    return this.slots.map((s) => s.param);
  }

  /**
   * One update with gradients keyed by tfjs variable name (as from tf.variableGrads). A
   * parameter without a gradient counts as a zero gradient (its moments still decay).
   */
  apply(grads: Readonly<Record<string, tfjs.Tensor>>, lr: number): void {
    const tf = this.tf;
    const { beta1, beta2, epsilon, weightDecay } = this.cfg;
    const t = this.iterationsValue + 1;
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    for (const varName of Object.keys(grads)) {
      if (!this.byVarName.has(varName))
        throw new Error(`Adam: gradient for unknown variable ${varName}`);
    }
    tf.tidy(() => {
      const flat = (pick: (s: Slot) => tfjs.Tensor): tfjs.Tensor1D =>
        tf.concat(this.slots.map((s) => tf.reshape(pick(s), [s.size])) as tfjs.Tensor1D[]);
      const grad = flat((s) => grads[s.param.name] ?? tf.zeros([s.size]));
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(grad, 1 - beta1));
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
      this.m.assign(m);
      this.v.assign(v);
      const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
      const params = flat((s) => s.param);
      let next = tf.sub(params, tf.mul(update, lr));
      if (this.decayMask) {
        next = tf.sub(next, tf.mul(tf.mul(params, lr * weightDecay), this.decayMask));
      }
      const parts = tf.split(
        next,
        this.slots.map((s) => s.size),
      );
      this.slots.forEach((s, i) => s.param.assign(tf.reshape(parts[i]!, s.param.shape)));
    });
    this.iterationsValue = t;
  }

  /** Slots as plain arrays: `${name}/m` and `${name}/v` for every parameter. */
  async getSlots(): Promise<NamedArray[]> {
    const m = (await this.m.data()) as Float32Array;
    const v = (await this.v.data()) as Float32Array;
    const out: NamedArray[] = [];
    let offset = 0;
    for (const s of this.slots) {
      const end = offset + s.size;
      out.push({ name: `${s.name}/m`, shape: s.param.shape, data: m.slice(offset, end) });
      out.push({ name: `${s.name}/v`, shape: s.param.shape, data: v.slice(offset, end) });
      offset = end;
    }
    return out;
  }

  /** Restores iterations and every slot; throws if a slot is missing or mis-shaped. */
  setState(iterations: number, slots: readonly NamedArray[]): void {
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new Error(`Adam: invalid iteration count ${iterations}`);
    }
    const byName = new Map(slots.map((s) => [s.name, s]));
    const tf = this.tf;
    for (const [key, variable] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      const flat = new Float32Array(variable.size);
      let offset = 0;
      for (const s of this.slots) {
        const saved = byName.get(`${s.name}/${key}`);
        if (!saved) throw new Error(`optimizer state is missing ${s.name}/${key}`);
        if (saved.shape.join('x') !== s.param.shape.join('x')) {
          throw new Error(
            `optimizer slot ${s.name}/${key} has shape ${saved.shape.join('x')}, expected ${s.param.shape.join('x')}`,
          );
        }
        flat.set(saved.data, offset);
        offset += s.size;
      }
      const t = tf.tensor1d(flat, 'float32');
      variable.assign(t);
      t.dispose();
    }
    this.iterationsValue = iterations;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.decayMask?.dispose();
  }
}
