/**
 * Exponential moving average (EMA) of a model's weights, `config.emaDecay` > 0: the weights a
 * run validates, keeps as `best` and exports. The per-epoch validation of the raw weights of a
 * high-LR run jumps by several points from epoch to epoch; their average over the last few
 * hundred steps is a smoother and usually better model (see bench/RESULTS.md).
 *
 * The average covers every model weight, BatchNorm moving statistics included, as one flat
 * vector (one update = a handful of tfjs ops, like the optimizer's slots). A checkpoint stores the
 * average as its model (so evaluate, export, predict and `--init` read the averaged model with
 * no change) and the raw training weights beside the optimizer slots as `${name}/raw`, so a
 * resume continues bit-exactly.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../native/backend';
import type { NamedArray } from './optimizer';

/** Suffix of the raw training weights in a checkpoint's optimizer entries. */
const RAW_SUFFIX = '/raw';

interface Entry {
  readonly name: string;
  readonly variable: tfjs.LayerVariable;
  readonly shape: number[];
  readonly size: number;
}

export class WeightAverage {
  private readonly entries: Entry[];
  /** The averaged weights, concatenated in entry order. */
  private readonly shadow: tfjs.Variable;
  private updates = 0;

  constructor(
    private readonly tf: Tf,
    weights: ReadonlyMap<string, tfjs.LayerVariable>,
    private readonly decay: number,
  ) {
    this.entries = [...weights].map(([name, variable]) => {
      const shape = variable.shape.map((d) => d ?? 0);
      return { name, variable, shape, size: shape.reduce((a, b) => a * b, 1) };
    });
    this.shadow = tf.tidy(() => tf.variable(this.flatModel(), false));
  }

  /** Updates seen so far (the warm-up of the decay counts them; restored with the weights). */
  get count(): number {
    return this.updates;
  }

  /**
   * Folds the model's current weights in; call after every optimizer step. The effective decay
   * min(decay, (1 + n) / (10 + n)) lets the average follow the fast early steps instead of
   * remembering the random initialisation.
   */
  update(): void {
    const n = this.updates;
    const d = Math.min(this.decay, (1 + n) / (10 + n));
    const tf = this.tf;
    tf.tidy(() => {
      this.shadow.assign(tf.add(tf.mul(this.shadow, d), tf.mul(this.flatModel(), 1 - d)));
    });
    this.updates = n + 1;
  }

  /**
   * Runs `fn` with the averaged weights in the model, then puts the training weights back
   * (exactly: values are copied, never recomputed). `fn` must not train the model.
   */
  async withAverage<T>(fn: () => Promise<T>): Promise<T> {
    this.swap();
    try {
      return await fn();
    } finally {
      this.swap();
    }
  }

  /** The averaged weights by name (a checkpoint's model). */
  async averaged(): Promise<NamedArray[]> {
    const flat = (await this.shadow.data()) as Float32Array;
    let offset = 0;
    return this.entries.map((e) => {
      const data = flat.slice(offset, offset + e.size);
      offset += e.size;
      return { name: e.name, shape: e.shape, data };
    });
  }

  /** The training weights as extra optimizer entries `${name}/raw` of a checkpoint. */
  raw(): NamedArray[] {
    return this.entries.map((e) => ({
      name: `${e.name}${RAW_SUFFIX}`,
      shape: e.shape,
      data: new Float32Array(e.variable.read().dataSync() as Float32Array),
    }));
  }

  /**
   * Takes the model's current weights as the average and counts updates from zero again: call
   * it after weights were written into the model from outside the optimizer (a fine-tune's
   * starting weights), or the average would still hold the random initialisation.
   */
  restart(): void {
    this.tf.tidy(() => this.shadow.assign(this.flatModel()));
    this.updates = 0;
  }

  /**
   * After a checkpoint's model (the average) was loaded into the model: takes it as the
   * average and loads the training weights from `optimizerEntries`. Returns false (model and
   * average both left at the checkpoint's model) when the checkpoint has no raw weights, e.g.
   * one written before the average was switched on.
   */
  restore(optimizerEntries: readonly NamedArray[], updates: number): boolean {
    const tf = this.tf;
    tf.tidy(() => this.shadow.assign(this.flatModel()));
    this.updates = updates;
    const byName = new Map(optimizerEntries.map((a) => [a.name, a]));
    const raws = this.entries.map((e) => byName.get(`${e.name}${RAW_SUFFIX}`));
    if (raws.some((r, i) => !r || r.data.length !== this.entries[i]!.size)) return false;
    this.entries.forEach((e, i) => {
      const t = tf.tensor(raws[i]!.data, e.shape, 'float32');
      e.variable.write(t);
      t.dispose();
    });
    return true;
  }

  dispose(): void {
    this.shadow.dispose();
  }

  private flatModel(): tfjs.Tensor1D {
    const tf = this.tf;
    return tf.concat(
      this.entries.map((e) => tf.reshape(e.variable.read(), [e.size]) as tfjs.Tensor1D),
    );
  }

  /** Exchanges the model's weights and the average. */
  private swap(): void {
    const tf = this.tf;
    tf.tidy(() => {
      const current = this.flatModel();
      const parts = tf.split(
        this.shadow,
        this.entries.map((e) => e.size),
      );
      this.entries.forEach((e, i) => e.variable.write(tf.reshape(parts[i]!, e.shape)));
      this.shadow.assign(current);
    });
  }
}
