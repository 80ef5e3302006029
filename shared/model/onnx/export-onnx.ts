import { ValidationError } from '../../errors/index.js';
import type { EncoderGraph, GraphNode, WeightMap } from '../encoder/index.js';
import { foldBatchNorm, hwioToOihw } from './conv-weights.js';
import { floatAttr, floatTensor, floatValueInfo, intAttr, intsAttr, node } from './onnx-builders.js';
import {
  OnnxDataType,
  onnxModelType,
  type ModelProtoObject,
  type NodeProtoObject,
  type TensorProtoObject,
} from './onnx-schema.js';
import { validateWeights } from './validate-weights.js';

export interface ExportOnnxOptions {
  /** square input side in pixels; the batch dimension stays dynamic */
  inputSize: number;
  /** ONNX default-domain opset, 13–21 (default 17) */
  opset?: number;
  /** ModelProto.producer_name (default 'gibs-embed') */
  producer?: string;
  /** fold inference batch norm into the preceding conv (default true: fewer nodes, same math) */
  foldBatchNorm?: boolean;
  /** ModelProto.metadata_props, e.g. checkpoint id, normalisation stats */
  metadata?: Record<string, string>;
}

/** Name of the model's input (NHWC float32 [N, H, W, 3], normalised) and output (float32 [N, D], unit rows). */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'embedding';

const MIN_OPSET = 13;
const MAX_OPSET = 21;

/** IR version that goes with an opset (ONNX release table: 1.12–1.13 → IR 8, 1.14–1.15 → 9, 1.16 → 10). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/**
 * Interprets the encoder graph as ONNX: a Transpose to NCHW so Conv/MaxPool/GlobalAveragePool run in
 * ONNX's native layout, HWIO kernels converted to OIHW, batch norm folded (or BatchNormalization), and the
 * final l2normalize as ReduceSumSquare → Max(ε) → Sqrt → Div, the same formula as the tfjs side.
 * Throws ValidationError naming the parameter when the weights do not fit the graph.
 */
export function exportOnnx(graph: EncoderGraph, weights: WeightMap, options: ExportOnnxOptions): Uint8Array {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new ValidationError(`opset must be an integer in ${MIN_OPSET}..${MAX_OPSET}, got ${opset}`);
  }
  if (!Number.isInteger(options.inputSize) || options.inputSize < 1) {
    throw new ValidationError(`inputSize must be a positive integer, got ${options.inputSize}`);
  }
  const last = graph.nodes[graph.nodes.length - 1];
  if (last === undefined || last.output !== ONNX_OUTPUT)
    throw new ValidationError(`the graph must end in a node writing "${ONNX_OUTPUT}"`);
  validateWeights(graph, weights);

  const fold = options.foldBatchNorm ?? true;
  const nodes: NodeProtoObject[] = [];
  const initializers: TensorProtoObject[] = [];
  const consumers = countConsumers(graph.nodes);
  // batch-norm nodes folded into their conv: the bn's output name is then the conv's output name
  const folded = new Set<string>();
  const nchwInput = `${ONNX_INPUT}/nchw`;
  const rename = new Map<string, string>([[ONNX_INPUT, nchwInput]]);
  const val = (name: string): string => rename.get(name) ?? name;
  const w = (name: string) => weights[name].data;

  nodes.push(node('Transpose', 'input_to_nchw', [ONNX_INPUT], [nchwInput], [intsAttr('perm', [0, 3, 1, 2])]));

  for (const n of graph.nodes) {
    switch (n.op) {
      case 'conv': {
        const bn = fold ? graph.nodes.find((m) => m.op === 'batchnorm' && m.input === n.output) : undefined;
        const canFold = bn?.op === 'batchnorm' && consumers.get(n.output) === 1;
        const kernel = hwioToOihw(w(`${n.name}/kernel`), n.kernel, n.kernel, n.inChannels, n.outChannels);
        let bias: Float64Array | Float32Array | undefined = n.bias ? w(`${n.name}/bias`) : undefined;
        let output = n.output;
        if (canFold) {
          bias = foldBatchNorm(kernel, n.bias ? w(`${n.name}/bias`) : undefined, {
            gamma: w(`${bn.name}/gamma`),
            beta: w(`${bn.name}/beta`),
            mean: w(`${bn.name}/moving_mean`),
            variance: w(`${bn.name}/moving_variance`),
            epsilon: bn.epsilon,
          });
          folded.add(bn.name);
          output = bn.output;
        }
        initializers.push(floatTensor(`${n.name}/weight`, [n.outChannels, n.inChannels, n.kernel, n.kernel], kernel));
        const inputs = [val(n.input), `${n.name}/weight`];
        if (bias !== undefined) {
          initializers.push(floatTensor(`${n.name}/bias_folded`, [n.outChannels], bias));
          inputs.push(`${n.name}/bias_folded`);
        }
        nodes.push(
          node(
            'Conv',
            n.name,
            inputs,
            [output],
            [
              intsAttr('kernel_shape', [n.kernel, n.kernel]),
              intsAttr('strides', [n.stride, n.stride]),
              intsAttr('pads', [n.pad, n.pad, n.pad, n.pad]),
              intsAttr('dilations', [1, 1]),
              intAttr('group', 1),
            ],
          ),
        );
        break;
      }
      case 'batchnorm': {
        if (folded.has(n.name)) break;
        const params = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((p) => `${n.name}/${p}`);
        for (const p of params) initializers.push(floatTensor(p, [n.channels], w(p)));
        nodes.push(
          node('BatchNormalization', n.name, [val(n.input), ...params], [n.output], [floatAttr('epsilon', n.epsilon)]),
        );
        break;
      }
      case 'relu':
        nodes.push(node('Relu', n.name, [val(n.input)], [n.output]));
        break;
      case 'add':
        nodes.push(node('Add', n.name, [val(n.inputs[0]), val(n.inputs[1])], [n.output]));
        break;
      case 'maxpool':
        nodes.push(
          node(
            'MaxPool',
            n.name,
            [val(n.input)],
            [n.output],
            [
              intsAttr('kernel_shape', [n.kernel, n.kernel]),
              intsAttr('strides', [n.stride, n.stride]),
              intsAttr('pads', [n.pad, n.pad, n.pad, n.pad]),
            ],
          ),
        );
        break;
      case 'global_avg_pool': {
        // GlobalAveragePool keeps [N, C, 1, 1]; the graph's value is [N, C] as in tfjs
        const pooled = `${n.name}/nc11`;
        nodes.push(node('GlobalAveragePool', n.name, [val(n.input)], [pooled]));
        nodes.push(node('Flatten', `${n.name}/flatten`, [pooled], [n.output], [intAttr('axis', 1)]));
        break;
      }
      case 'l2normalize':
        nodes.push(...l2NormalizeNodes(n, val(n.input), opset, initializers));
        break;
      default:
        throw new ValidationError(`unsupported graph op ${(n as GraphNode).op}`);
    }
  }

  const model: ModelProtoObject = {
    ir_version: irVersionFor(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: options.producer ?? 'gibs-embed',
    producer_version: '1',
    doc_string: 'gibs-embed encoder: NHWC normalised image in, L2-normalised embedding out',
    graph: {
      name: 'encoder',
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(ONNX_INPUT, ['N', options.inputSize, options.inputSize, 3])],
      output: [floatValueInfo(ONNX_OUTPUT, ['N', graph.embeddingDim])],
    },
    metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const type = onnxModelType();
  return type.encode(type.fromObject(model)).finish();
}

/** x / sqrt(max(Σx², ε)) over the channel axis, the formula tfjs uses for the l2normalize node. */
function l2NormalizeNodes(
  n: Extract<GraphNode, { op: 'l2normalize' }>,
  input: string,
  opset: number,
  initializers: TensorProtoObject[],
): NodeProtoObject[] {
  const sumSq = `${n.name}/sum_sq`;
  const clamped = `${n.name}/clamped`;
  const norm = `${n.name}/norm`;
  const eps = `${n.name}/epsilon`;
  initializers.push(floatTensor(eps, [], new Float32Array([n.epsilon])));
  // ReduceSumSquare took `axes` as an attribute until opset 18, as a second input since
  const reduce =
    opset >= 18
      ? (() => {
          const axes = `${n.name}/axes`;
          initializers.push({ name: axes, dims: [1], data_type: OnnxDataType.INT64, int64_data: [1] });
          return node('ReduceSumSquare', `${n.name}/reduce`, [input, axes], [sumSq], [intAttr('keepdims', 1)]);
        })()
      : node('ReduceSumSquare', `${n.name}/reduce`, [input], [sumSq], [intsAttr('axes', [1]), intAttr('keepdims', 1)]);
  return [
    reduce,
    node('Max', `${n.name}/clamp`, [sumSq, eps], [clamped]),
    node('Sqrt', `${n.name}/sqrt`, [clamped], [norm]),
    node('Div', `${n.name}/div`, [input, norm], [n.output]),
  ];
}

function countConsumers(nodes: GraphNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const inputs = n.op === 'add' ? n.inputs : [n.input];
    for (const i of inputs) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}
