/**
 * The encoder as data: a list of nodes over named tensor values (each value written once). The tfjs
 * forward/backward pass (training) and the ONNX exporter (inference) both interpret this one description,
 * so the two can never drift apart in layout, padding or parameter naming.
 *
 * Conventions
 * - Activations are NHWC float32; the graph input value is named `input`, the output `embedding` is the
 *   global-average-pooled backbone feature (L2 normalisation is applied by the consumer of the graph:
 *   `l2normalize` node at the end, so ONNX and tfjs both emit unit vectors).
 * - Convolution kernels are HWIO (`[kh, kw, in, out]`), as tfjs stores them; padding is explicit and
 *   symmetric (no TF "SAME" asymmetry), which ONNX expresses exactly.
 * - Parameters are named `${node.name}/${param}`: conv `kernel` (+ `bias` when `bias: true`); batch norm
 *   `gamma`, `beta`, `moving_mean`, `moving_variance` (the last two are state, not trained by gradient).
 */
export type EncoderArch =
  | {
      kind: 'resnet';
      /** channels of the first stage; ResNet-18 = 64, "half width" = 32 */
      width: number;
      /** residual blocks per stage; ResNet-18 = [2, 2, 2, 2] */
      blocks: number[];
      /** 'imagenet': 7x7/2 conv + 3x3/2 max pool (torchvision); 'cifar': 3x3/1 conv, no pool (small inputs) */
      stem: 'imagenet' | 'cifar';
      norm: Norm;
    }
  | {
      /** a few strided 3x3 convolutions: fast, for tests */
      kind: 'small';
      width: number;
      layers: number;
      norm: Norm;
    };

/** 'batch': batch norm (batch statistics in training, moving statistics in inference); 'none': conv bias instead */
export type Norm = 'batch' | 'none';

export type GraphNode =
  | {
      op: 'conv';
      name: string;
      input: string;
      output: string;
      inChannels: number;
      outChannels: number;
      kernel: number;
      stride: number;
      pad: number;
      bias: boolean;
    }
  | {
      op: 'batchnorm';
      name: string;
      input: string;
      output: string;
      channels: number;
      epsilon: number;
      momentum: number;
    }
  | { op: 'relu'; name: string; input: string; output: string }
  | { op: 'add'; name: string; inputs: [string, string]; output: string }
  | { op: 'maxpool'; name: string; input: string; output: string; kernel: number; stride: number; pad: number }
  | { op: 'global_avg_pool'; name: string; input: string; output: string }
  | { op: 'l2normalize'; name: string; input: string; output: string; epsilon: number };

export interface EncoderGraph {
  arch: EncoderArch;
  nodes: GraphNode[];
  /** channels of the embedding */
  embeddingDim: number;
}

export interface ParamSpec {
  name: string;
  shape: number[];
  /** false for batch-norm moving statistics: updated by the forward pass in training, not by gradients */
  trainable: boolean;
  init: 'he_normal' | 'zeros' | 'ones';
}

/** A named set of float32 arrays: the portable form of weights (checkpoints, ONNX export, worker messages). */
export type WeightMap = Record<string, { shape: number[]; data: Float32Array }>;

export const resnet18Half: EncoderArch = {
  kind: 'resnet',
  width: 32,
  blocks: [2, 2, 2, 2],
  stem: 'imagenet',
  norm: 'batch',
};
export const smallCnn: EncoderArch = { kind: 'small', width: 16, layers: 3, norm: 'none' };

const BN_EPSILON = 1e-5;
const BN_MOMENTUM = 0.9;

export function buildEncoderGraph(arch: EncoderArch): EncoderGraph {
  const nodes: GraphNode[] = [];
  let counter = 0;
  const value = (hint: string) => `${hint}:${counter++}`;

  // conv → (batchnorm | bias) → optional relu; returns the output value name
  const convUnit = (
    name: string,
    input: string,
    cin: number,
    cout: number,
    kernel: number,
    stride: number,
    relu: boolean,
    norm: Norm,
  ): string => {
    const convOut = value(name);
    nodes.push({
      op: 'conv',
      name,
      input,
      output: convOut,
      inChannels: cin,
      outChannels: cout,
      kernel,
      stride,
      pad: (kernel - 1) >> 1,
      bias: norm === 'none',
    });
    let out = convOut;
    if (norm === 'batch') {
      const bnOut = value(`${name}_bn`);
      nodes.push({
        op: 'batchnorm',
        name: `${name}_bn`,
        input: out,
        output: bnOut,
        channels: cout,
        epsilon: BN_EPSILON,
        momentum: BN_MOMENTUM,
      });
      out = bnOut;
    }
    if (relu) {
      const reluOut = value(`${name}_relu`);
      nodes.push({ op: 'relu', name: `${name}_relu`, input: out, output: reluOut });
      out = reluOut;
    }
    return out;
  };

  let x = 'input';
  let channels = 3;
  if (arch.kind === 'small') {
    for (let i = 0; i < arch.layers; i++) {
      const cout = arch.width * 2 ** i;
      x = convUnit(`conv${i + 1}`, x, channels, cout, 3, 2, true, arch.norm);
      channels = cout;
    }
  } else {
    if (arch.stem === 'imagenet') {
      x = convUnit('stem', x, 3, arch.width, 7, 2, true, arch.norm);
      const pooled = value('stem_pool');
      nodes.push({ op: 'maxpool', name: 'stem_pool', input: x, output: pooled, kernel: 3, stride: 2, pad: 1 });
      x = pooled;
    } else {
      x = convUnit('stem', x, 3, arch.width, 3, 1, true, arch.norm);
    }
    channels = arch.width;
    arch.blocks.forEach((count, stage) => {
      const cout = arch.width * 2 ** stage;
      for (let b = 0; b < count; b++) {
        const name = `layer${stage + 1}.${b}`;
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const h = convUnit(`${name}.conv1`, x, channels, cout, 3, stride, true, arch.norm);
        const y = convUnit(`${name}.conv2`, h, cout, cout, 3, 1, false, arch.norm);
        const shortcut =
          stride !== 1 || channels !== cout
            ? convUnit(`${name}.down`, x, channels, cout, 1, stride, false, arch.norm)
            : x;
        const sum = value(`${name}.add`);
        nodes.push({ op: 'add', name: `${name}.add`, inputs: [y, shortcut], output: sum });
        const out = value(`${name}.relu`);
        nodes.push({ op: 'relu', name: `${name}.relu`, input: sum, output: out });
        x = out;
        channels = cout;
      }
    });
  }
  const pooled = value('pool');
  nodes.push({ op: 'global_avg_pool', name: 'pool', input: x, output: pooled });
  nodes.push({ op: 'l2normalize', name: 'normalize', input: pooled, output: 'embedding', epsilon: 1e-12 });
  return { arch, nodes, embeddingDim: channels };
}

/** Every parameter the graph needs, in node order (deterministic: checkpoint files and ONNX initialisers follow it). */
export function graphParams(graph: EncoderGraph): ParamSpec[] {
  const params: ParamSpec[] = [];
  for (const node of graph.nodes) {
    if (node.op === 'conv') {
      params.push({
        name: `${node.name}/kernel`,
        shape: [node.kernel, node.kernel, node.inChannels, node.outChannels],
        trainable: true,
        init: 'he_normal',
      });
      if (node.bias)
        params.push({ name: `${node.name}/bias`, shape: [node.outChannels], trainable: true, init: 'zeros' });
    } else if (node.op === 'batchnorm') {
      params.push(...batchNormParams(node.name, node.channels));
    }
  }
  return params;
}

/** A batch-norm layer's four parameters in the project's layout (the encoder's and the training heads'). */
export function batchNormParams(name: string, channels: number): ParamSpec[] {
  return [
    { name: `${name}/gamma`, shape: [channels], trainable: true, init: 'ones' },
    { name: `${name}/beta`, shape: [channels], trainable: true, init: 'zeros' },
    { name: `${name}/moving_mean`, shape: [channels], trainable: false, init: 'zeros' },
    { name: `${name}/moving_variance`, shape: [channels], trainable: false, init: 'ones' },
  ];
}
