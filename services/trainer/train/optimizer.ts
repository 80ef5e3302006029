/**
 * Optimisers over the flat parameter array, in plain TypeScript: the main thread owns the one master copy
 * (workers only compute gradients), so the update is deterministic and identical whatever the worker count.
 *
 * - 'sgd' (default): SGD with momentum and L2 weight decay, PyTorch's form (v = μv + g + λw; w −= lr·v),
 *   what SimSiam and most SimCLR re-implementations at small batch use (LARS only pays off at batch ≥ 1024).
 * - 'adamw': Adam with decoupled weight decay, for fine-tuning from a checkpoint with a small learning rate.
 * Weight decay applies to kernels only, not to batch-norm γ/β or biases (as SimCLR's LARS excludes them).
 */
import { ValidationError } from '../../../shared/errors/index.js';
import type { WeightMap } from '../../../shared/model/encoder/index.js';
import type { ParamLayout } from './param-layout.js';

export interface OptimizerConfig {
  kind: 'sgd' | 'adamw';
  /** SGD momentum; default 0.9 */
  momentum?: number;
  /** default 5e-4 (sgd), 0.05 (adamw, decoupled) */
  weightDecay?: number;
  /** AdamW β1, β2, ε; defaults 0.9, 0.999, 1e-8 */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface Optimizer {
  /** updates `params` in place from `grads` (same layout) with learning rate `lr` */
  step(params: Float32Array, grads: Float32Array, lr: number): void;
  /** slots as named weights (`optimizer/<slot>/<param>`) plus `optimizer/t`, for checkpoints */
  state(): WeightMap;
  /** restores what state() returned; missing slots stay zero */
  load(state: WeightMap): void;
}

const PREFIX = 'optimizer/';

export function createOptimizer(layout: ParamLayout, config: OptimizerConfig = { kind: 'sgd' }): Optimizer {
  const kind = config.kind;
  if (kind !== 'sgd' && kind !== 'adamw') throw new ValidationError(`unknown optimizer ${String(kind)} (sgd | adamw)`);
  const momentum = config.momentum ?? 0.9;
  const weightDecay = config.weightDecay ?? (kind === 'sgd' ? 5e-4 : 0.05);
  const beta1 = config.beta1 ?? 0.9;
  const beta2 = config.beta2 ?? 0.999;
  const epsilon = config.epsilon ?? 1e-8;
  for (const [name, v] of [
    ['momentum', momentum],
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(v >= 0 && v < 1)) throw new ValidationError(`optimizer ${name} must be in [0, 1), got ${v}`);
  }
  if (!(weightDecay >= 0)) throw new ValidationError(`weight decay must be >= 0, got ${weightDecay}`);
  const slots = kind === 'sgd' ? ['velocity'] : ['m', 'v'];
  const buffers = slots.map(() => new Float32Array(layout.size));
  let t = 0;
  const trainable = layout.segments.filter((s) => s.spec.trainable);
  const decays = (name: string) => name.endsWith('/kernel');

  return {
    step(params, grads, lr) {
      if (params.length !== layout.size || grads.length !== layout.size)
        throw new ValidationError('optimizer: params/grads do not match the layout');
      if (!Number.isFinite(lr) || lr < 0) throw new ValidationError(`learning rate must be finite and >= 0, got ${lr}`);
      t++;
      const [b0, b1] = buffers;
      for (const seg of trainable) {
        const wd = decays(seg.spec.name) ? weightDecay : 0;
        const end = seg.offset + seg.size;
        if (kind === 'sgd') {
          for (let i = seg.offset; i < end; i++) {
            const v = momentum * b0[i] + grads[i] + wd * params[i];
            b0[i] = v;
            params[i] -= lr * v;
          }
        } else {
          const c1 = 1 - beta1 ** t;
          const c2 = 1 - beta2 ** t;
          for (let i = seg.offset; i < end; i++) {
            const g = grads[i];
            const m = (b0[i] = beta1 * b0[i] + (1 - beta1) * g);
            const v = (b1[i] = beta2 * b1[i] + (1 - beta2) * g * g);
            params[i] -= lr * (m / c1 / (Math.sqrt(v / c2) + epsilon) + wd * params[i]);
          }
        }
      }
    },
    state() {
      const out: WeightMap = { [`${PREFIX}t`]: { shape: [1], data: new Float32Array([t]) } };
      slots.forEach((slot, k) => {
        for (const seg of trainable) {
          out[`${PREFIX}${slot}/${seg.spec.name}`] = {
            shape: [...seg.spec.shape],
            data: buffers[k].slice(seg.offset, seg.offset + seg.size),
          };
        }
      });
      return out;
    },
    load(state) {
      t = state[`${PREFIX}t`]?.data[0] ?? 0;
      slots.forEach((slot, k) => {
        for (const seg of trainable) {
          const w = state[`${PREFIX}${slot}/${seg.spec.name}`];
          if (!w) continue;
          if (w.data.length !== seg.size)
            throw new ValidationError(
              `optimizer slot ${slot}/${seg.spec.name} has ${w.data.length} values, expected ${seg.size}`,
            );
          buffers[k].set(w.data, seg.offset);
        }
      });
    },
  };
}
