/**
 * The tfjs interpretation of the encoder graph (graph.ts): seeded initial weights, the forward pass for
 * training (batch statistics, differentiable) and inference (moving statistics), and a small inference
 * wrapper. The ONNX exporter interprets the same graph; both must agree to 1e-4 (tested there).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors/index.js';
import { graphParams, type EncoderGraph, type GraphNode, type WeightMap } from '../../../shared/model/encoder/index.js';
import { batchNormInference, batchNormTraining } from './tfjs-batch-norm.js';
import { denseConv2d, denseConvPays } from './tfjs-dense-conv.js';

export interface ForwardMode {
  /** true: batch statistics (and updated moving statistics returned); false: moving statistics */
  training: boolean;
}

export interface ForwardResult {
  /** L2-normalised pooled features [n, dim] */
  embedding: tf.Tensor2D;
  /** global-average-pooled backbone output before normalisation [n, dim] */
  pooled: tf.Tensor2D;
  /** training only: `${bn}/moving_mean` and `${bn}/moving_variance` after this batch */
  movingStats?: Record<string, tf.Tensor>;
}

function param(params: Record<string, tf.Tensor>, name: string, shape: number[]): tf.Tensor {
  const t = params[name];
  if (!t) throw new ValidationError(`missing encoder parameter ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ValidationError(`encoder parameter ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

/** x / sqrt(max(Σx², ε)) over channels: the formula the ONNX exporter emits too. */
export function l2Normalize(x: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), epsilon)));
}

/**
 * Runs the graph on an NHWC batch. Call it inside tf.tidy / a gradient function: intermediates are not
 * disposed here. In training the returned moving statistics follow the graph's momentum
 * (new = m·old + (1−m)·batch, with the unbiased batch variance, as PyTorch keeps it).
 */
export function forwardEncoder(
  graph: EncoderGraph,
  params: Record<string, tf.Tensor>,
  input: tf.Tensor4D,
  mode: ForwardMode,
): ForwardResult {
  if (input.rank !== 4 || input.shape[3] !== 3)
    throw new ValidationError(`encoder input must be NHWC with 3 channels, got [${input.shape}]`);
  const values = new Map<string, tf.Tensor>([['input', input]]);
  const get = (name: string): tf.Tensor => {
    const v = values.get(name);
    if (!v) throw new ValidationError(`graph value ${name} used before it is produced`);
    return v;
  };
  const movingStats: Record<string, tf.Tensor> = {};
  const fused = mode.training ? fusableRelus(graph.nodes) : new Set<GraphNode>();
  let pooled: tf.Tensor2D | undefined;
  let embedding: tf.Tensor2D | undefined;
  graph.nodes.forEach((node, i) => {
    if (fused.has(node)) return; // computed with the batch norm before it
    const next = graph.nodes[i + 1];
    const reluAfter = next !== undefined && fused.has(next);
    const out = runNode(node, get, params, mode, movingStats, reluAfter);
    values.set(node.output, out);
    if (reluAfter) values.set(next.output, out);
    if (node.op === 'global_avg_pool') pooled = out as tf.Tensor2D;
    if (node.op === 'l2normalize') embedding = out as tf.Tensor2D;
  });
  if (!pooled || !embedding) throw new ValidationError('encoder graph has no global_avg_pool / l2normalize node');
  return mode.training ? { embedding, pooled, movingStats } : { embedding, pooled };
}

/**
 * ReLU nodes that directly follow a batch norm whose output nothing else reads: in training they run fused
 * into the batch-norm kernel (one pass less each way, no separate ReLU gradient).
 */
function fusableRelus(nodes: readonly GraphNode[]): Set<GraphNode> {
  const readers = new Map<string, number>();
  for (const node of nodes) {
    for (const input of node.op === 'add' ? node.inputs : [node.input])
      readers.set(input, (readers.get(input) ?? 0) + 1);
  }
  const fused = new Set<GraphNode>();
  nodes.forEach((node, i) => {
    const next = nodes[i + 1];
    if (node.op === 'batchnorm' && next?.op === 'relu' && next.input === node.output && readers.get(node.output) === 1)
      fused.add(next);
  });
  return fused;
}

function runNode(
  node: GraphNode,
  get: (name: string) => tf.Tensor,
  params: Record<string, tf.Tensor>,
  mode: ForwardMode,
  movingStats: Record<string, tf.Tensor>,
  reluAfter: boolean,
): tf.Tensor {
  switch (node.op) {
    case 'conv': {
      const kernel = param(params, `${node.name}/kernel`, [
        node.kernel,
        node.kernel,
        node.inChannels,
        node.outChannels,
      ]) as tf.Tensor4D;
      const p = node.pad;
      const x = get(node.input) as tf.Tensor4D;
      // the dense form reads the filter on the CPU: only where tensors live there
      const cpuBackend = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
      const y =
        cpuBackend && denseConvPays(x.shape[1], x.shape[2], node.kernel, node.stride, p)
          ? denseConv2d(x, kernel, node.stride, p)
          : tf.conv2d(x, kernel, node.stride, [
              [0, 0],
              [p, p],
              [p, p],
              [0, 0],
            ]);
      return node.bias ? tf.add(y, param(params, `${node.name}/bias`, [node.outChannels])) : y;
    }
    case 'batchnorm': {
      const c = [node.channels];
      const gamma = param(params, `${node.name}/gamma`, c);
      const beta = param(params, `${node.name}/beta`, c);
      const x = get(node.input) as tf.Tensor4D;
      if (!mode.training) {
        return batchNormInference(
          x,
          param(params, `${node.name}/moving_mean`, c),
          param(params, `${node.name}/moving_variance`, c),
          gamma,
          beta,
          node.epsilon,
        );
      }
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, node.epsilon, { relu: reluAfter });
      const count = x.size / node.channels;
      const unbiased = count > 1 ? count / (count - 1) : 1;
      const m = node.momentum;
      movingStats[`${node.name}/moving_mean`] = tf.add(
        tf.mul(param(params, `${node.name}/moving_mean`, c), m),
        tf.mul(mean, 1 - m),
      );
      movingStats[`${node.name}/moving_variance`] = tf.add(
        tf.mul(param(params, `${node.name}/moving_variance`, c), m),
        tf.mul(variance, (1 - m) * unbiased),
      );
      return y;
    }
    case 'relu':
      return tf.relu(get(node.input));
    case 'add':
      return tf.add(get(node.inputs[0]), get(node.inputs[1]));
    case 'maxpool': {
      const p = node.pad;
      return tf.maxPool(get(node.input) as tf.Tensor4D, node.kernel, node.stride, [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ] as never);
    }
    case 'global_avg_pool':
      return tf.mean(get(node.input), [1, 2]);
    case 'l2normalize':
      return l2Normalize(get(node.input) as tf.Tensor2D, node.epsilon);
  }
}

export interface TfjsEncoder {
  /** embeds n NHWC images (normalised, size×size×3 each) with the active tfjs backend; one unit vector each */
  embed(input: Float32Array, n: number, size: number): Promise<Float32Array[]>;
  dispose(): void;
}

/** Inference wrapper (moving statistics). Uses the active backend: call initBackend first. */
export function createTfjsEncoder(
  graph: EncoderGraph,
  weights: WeightMap,
  options: { maxBatch?: number } = {},
): TfjsEncoder {
  const maxBatch = options.maxBatch ?? 64;
  const params: Record<string, tf.Tensor> = {};
  try {
    for (const spec of graphParams(graph)) {
      const w = weights[spec.name];
      if (!w) throw new ValidationError(`weights lack ${spec.name}`);
      if (w.shape.join(',') !== spec.shape.join(',') || w.data.length !== spec.shape.reduce((a, b) => a * b, 1)) {
        throw new ValidationError(
          `weights ${spec.name} have shape [${w.shape}] (${w.data.length} values), expected [${spec.shape}]`,
        );
      }
      params[spec.name] = tf.tensor(w.data, spec.shape, 'float32');
    }
  } catch (error) {
    tf.dispose(Object.values(params));
    throw error;
  }
  let disposed = false;
  return {
    async embed(input, n, size) {
      if (disposed) throw new ValidationError('encoder was disposed');
      if (!Number.isInteger(n) || n < 0 || !Number.isInteger(size) || size < 1)
        throw new ValidationError(`bad batch n=${n} size=${size}`);
      const per = size * size * 3;
      if (input.length !== n * per)
        throw new ValidationError(`input has ${input.length} values, expected ${n}×${size}×${size}×3 = ${n * per}`);
      const out: Float32Array[] = [];
      for (let start = 0; start < n; start += maxBatch) {
        const count = Math.min(maxBatch, n - start);
        const emb = tf.tidy(() => {
          const x = tf.tensor4d(input.subarray(start * per, (start + count) * per), [count, size, size, 3]);
          return forwardEncoder(graph, params, x, { training: false }).embedding;
        });
        const data = (await emb.data()) as Float32Array;
        emb.dispose();
        const dim = data.length / count;
        for (let i = 0; i < count; i++) out.push(data.slice(i * dim, (i + 1) * dim));
      }
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(Object.values(params));
    },
  };
}
