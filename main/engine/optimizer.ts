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
  readonly m: tfjs.Variable;
  readonly v: tfjs.Variable;
  readonly decay: boolean;
}

export class Adam {
  private readonly slots: Slot[];
  private readonly byVarName = new Map<string, Slot>();
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
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        decay: name.endsWith('/kernel') || name.endsWith('/depthwise_kernel'),
      };
      this.byVarName.set(variable.name, slot);
      return slot;
    });
  }

  get iterations(): number {
    return this.iterationsValue;
  }

  /** The variables to differentiate, in slot order. */
  get variables(): tfjs.Variable[] {
    return this.slots.map((s) => s.param);
  }

  /** One update with gradients keyed by tfjs variable name (as from tf.variableGrads). */
  apply(grads: Readonly<Record<string, tfjs.Tensor>>, lr: number): void {
    const tf = this.tf;
    const { beta1, beta2, epsilon, weightDecay } = this.cfg;
    const t = this.iterationsValue + 1;
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    tf.tidy(() => {
      for (const [varName, grad] of Object.entries(grads)) {
        const slot = this.byVarName.get(varName);
        if (!slot) throw new Error(`Adam: gradient for unknown variable ${varName}`);
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(grad, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
        slot.m.assign(m);
        slot.v.assign(v);
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        let next = tf.sub(slot.param, tf.mul(update, lr));
        if (weightDecay > 0 && slot.decay)
          next = tf.sub(next, tf.mul(slot.param, lr * weightDecay));
        slot.param.assign(next);
      }
    });
    this.iterationsValue = t;
  }

  /** Slots as plain arrays: `${name}/m` and `${name}/v` for every parameter. */
  async getSlots(): Promise<NamedArray[]> {
    const out: NamedArray[] = [];
    for (const s of this.slots) {
      out.push({ name: `${s.name}/m`, shape: s.m.shape, data: (await s.m.data()) as Float32Array });
      out.push({ name: `${s.name}/v`, shape: s.v.shape, data: (await s.v.data()) as Float32Array });
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
    for (const s of this.slots) {
      for (const [key, variable] of [
        ['m', s.m],
        ['v', s.v],
      ] as const) {
        const saved = byName.get(`${s.name}/${key}`);
        if (!saved) throw new Error(`optimizer state is missing ${s.name}/${key}`);
        if (saved.shape.join('x') !== variable.shape.join('x')) {
          throw new Error(
            `optimizer slot ${s.name}/${key} has shape ${saved.shape.join('x')}, expected ${variable.shape.join('x')}`,
          );
        }
        const t = tf.tensor(saved.data, [...saved.shape], 'float32');
        variable.assign(t);
        t.dispose();
      }
    }
    this.iterationsValue = iterations;
  }

  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose();
      s.v.dispose();
    }
  }
}
