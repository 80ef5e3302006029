/**
 * One model replica on the active tfjs backend: takes the master weights, computes the loss and gradients
 * of one shard of views, and hands them back as flat arrays. It never updates weights itself; the trainer
 * applies one update from the (averaged) gradients, so a replica in a worker thread and one in the main
 * thread are interchangeable.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors/index.js';
import {
  buildEncoderGraph,
  graphParams,
  type EncoderArch,
  type EncoderGraph,
} from '../../../shared/model/encoder/index.js';
import { forwardEncoder } from '../tfjs/index.js';
import { ntXentLoss, simSiamLoss } from '../losses/index.js';
import { buildHeads, forwardHead, headParams, type HeadDims, type Technique, type TrainingHeads } from './heads.js';
import { collapseStdPacked } from '../../../shared/model/eval/index.js';
import { createParamLayout, type ParamLayout } from './param-layout.js';

/** What fixes the model's shape and loss: plain data, so it can be posted to a worker. */
export interface ModelConfig {
  arch: EncoderArch;
  technique: Technique;
  /** NT-Xent temperature (SimCLR); default 0.1 */
  temperature?: number;
  headDims?: HeadDims;
}

export interface TrainingModel {
  graph: EncoderGraph;
  heads: TrainingHeads;
  /** encoder parameters first (graphParams order), then the heads' */
  layout: ParamLayout;
}

export function buildTrainingModel(config: ModelConfig): TrainingModel {
  const graph = buildEncoderGraph(config.arch);
  const heads = buildHeads(config.technique, graph.embeddingDim, config.arch.norm, config.headDims);
  return { graph, heads, layout: createParamLayout([...graphParams(graph), ...headParams(heads)]) };
}

export interface ReplicaStepResult {
  /** number of pairs in the shard */
  n: number;
  /** mean loss over the shard */
  loss: number;
  /** collapse metric of the shard's embeddings (both views) */
  collapseStd: number;
  /** d(mean shard loss)/d(param), full layout (zeros at moving-statistics slots) */
  grads: Float32Array;
  /** moving statistics after this shard, concatenated (layout.statsSize) */
  stats: Float32Array;
}

export interface Replica {
  model: TrainingModel;
  setParams(flat: Float32Array): void;
  /**
   * Views a and b: n × size × size × 3 each, normalised NHWC. Gradients and statistics are written into
   * `into` when given (e.g. shared memory a worker hands back without a copy), else into new arrays.
   */
  step(
    a: Float32Array,
    b: Float32Array,
    n: number,
    size: number,
    into?: { grads: Float32Array; stats: Float32Array },
  ): ReplicaStepResult;
  dispose(): void;
}

export function createReplica(config: ModelConfig, params: Float32Array): Replica {
  const model = buildTrainingModel(config);
  const { graph, heads, layout } = model;
  const temperature = config.temperature ?? 0.1;
  const vars = new Map<string, tf.Variable>();
  const consts = new Map<string, tf.Tensor>();
  const tensors: Record<string, tf.Tensor> = {};

  const setParams = (flat: Float32Array) => {
    if (flat.length !== layout.size)
      throw new ValidationError(`replica: ${flat.length} parameter values, expected ${layout.size}`);
    for (const seg of layout.segments) {
      const value = tf.tensor(flat.subarray(seg.offset, seg.offset + seg.size), seg.spec.shape, 'float32');
      const name = seg.spec.name;
      if (seg.spec.trainable) {
        const v = vars.get(name);
        if (v) {
          v.assign(value);
          value.dispose();
        } else {
          const created = tf.variable(value, true);
          value.dispose();
          vars.set(name, created);
          tensors[name] = created;
        }
      } else {
        consts.get(name)?.dispose();
        consts.set(name, value);
        tensors[name] = value;
      }
    }
  };
  setParams(params);
  const trainable = layout.segments.filter((s) => s.spec.trainable).map((s) => vars.get(s.spec.name)!);

  return {
    model,
    setParams,
    step(a, b, n, size, into) {
      const per = size * size * 3;
      if (!Number.isInteger(n) || n < 1 || a.length !== n * per || b.length !== n * per) {
        throw new ValidationError(
          `replica step: views must be ${n}×${size}×${size}×3, got ${a.length} and ${b.length} values`,
        );
      }
      const both = new Float32Array(2 * n * per);
      both.set(a, 0);
      both.set(b, n * per);
      let embedding: tf.Tensor | undefined;
      let moving: Record<string, tf.Tensor> = {};
      if (into && (into.grads.length !== layout.size || into.stats.length !== layout.statsSize)) {
        throw new ValidationError('replica step: output buffers do not match the layout');
      }
      const grads = into?.grads ?? new Float32Array(layout.size);
      if (into) grads.fill(0);
      const stats = into?.stats ?? new Float32Array(layout.statsSize);
      let loss = 0;
      tf.tidy(() => {
        // both views in one batch: one call per layer (better GEMM shapes), batch statistics over 2n views
        const x = tf.tensor4d(both, [2 * n, size, size, 3]);
        const result = tf.variableGrads(() => {
          const enc = forwardEncoder(graph, tensors, x, { training: true });
          const movingStats = enc.movingStats ?? {};
          const z = forwardHead(heads.projector, tensors, enc.pooled, movingStats);
          const [za, zb] = tf.split(z, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          let value: tf.Scalar;
          if (heads.technique === 'simclr') value = ntXentLoss(za, zb, temperature);
          else {
            const p = forwardHead(heads.predictor!, tensors, z, movingStats);
            const [pa, pb] = tf.split(p, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
            value = simSiamLoss(pa, pb, za, zb);
          }
          embedding = tf.keep(enc.embedding);
          moving = Object.fromEntries(Object.entries(movingStats).map(([k, t]) => [k, tf.keep(t)]));
          return value;
        }, trainable);
        loss = result.value.dataSync()[0];
        for (const seg of layout.segments) {
          if (!seg.spec.trainable) continue;
          const g = result.grads[vars.get(seg.spec.name)!.name];
          if (g) grads.set(g.dataSync() as Float32Array, seg.offset);
        }
      });
      for (const seg of layout.segments) {
        if (seg.statOffset < 0) continue;
        const t = moving[seg.spec.name];
        if (!t) throw new ValidationError(`replica: no moving statistics produced for ${seg.spec.name}`);
        stats.set(t.dataSync() as Float32Array, seg.statOffset);
      }
      const emb = embedding!.dataSync() as Float32Array;
      const std = collapseStdPacked(emb, 2 * n);
      tf.dispose([embedding!, ...Object.values(moving)]);
      return { n, loss, collapseStd: std, grads, stats };
    },
    dispose() {
      tf.dispose([...vars.values(), ...consts.values()]);
      vars.clear();
      consts.clear();
    },
  };
}
