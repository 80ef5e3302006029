import { AppError } from '../../errors/index.js';
import { onnxModelType } from './onnx-schema.js';
import { onnxErrorCodes } from './onnx-errors.js';

export interface OnnxModelInfo {
  irVersion: number;
  opset: number;
  producer: string;
  inputs: Array<{ name: string; dims: Array<number | string> }>;
  outputs: Array<{ name: string; dims: Array<number | string> }>;
  /** op_type of every node, in order */
  ops: string[];
  initializers: Array<{ name: string; dims: number[] }>;
  metadata: Record<string, string>;
}

interface DecodedDim {
  dim_value?: number;
  dim_param?: string;
}
interface DecodedValueInfo {
  name: string;
  type?: { tensor_type?: { shape?: { dim?: DecodedDim[] } } };
}
interface DecodedModel {
  ir_version?: number;
  producer_name?: string;
  opset_import?: Array<{ domain?: string; version?: number }>;
  graph?: {
    node?: Array<{ op_type: string }>;
    input?: DecodedValueInfo[];
    output?: DecodedValueInfo[];
    initializer?: Array<{ name: string; dims?: number[] }>;
  };
  metadata_props?: Array<{ key: string; value: string }>;
}

/**
 * A summary of an ONNX file (the subset this project writes): for registry checks and tests.
 * Bytes that are not a ModelProto with a graph throw AppError `MODEL_INVALID` (not retriable).
 */
export function readOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  const type = onnxModelType();
  let decoded: DecodedModel;
  try {
    decoded = type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as DecodedModel;
  } catch (cause) {
    throw new AppError(onnxErrorCodes.modelInvalid, `not an ONNX model: ${(cause as Error).message}`, {
      retriable: false,
      cause,
    });
  }
  const graph = decoded.graph;
  if (graph === undefined || decoded.ir_version === undefined) {
    throw new AppError(onnxErrorCodes.modelInvalid, 'not an ONNX model: no graph or IR version', { retriable: false });
  }
  const dims = (v: DecodedValueInfo) =>
    (v.type?.tensor_type?.shape?.dim ?? []).map((d) => d.dim_param ?? d.dim_value ?? '?');
  return {
    irVersion: decoded.ir_version,
    opset: decoded.opset_import?.find((o) => (o.domain ?? '') === '')?.version ?? 0,
    producer: decoded.producer_name ?? '',
    inputs: (graph.input ?? []).map((v) => ({ name: v.name, dims: dims(v) })),
    outputs: (graph.output ?? []).map((v) => ({ name: v.name, dims: dims(v) })),
    ops: (graph.node ?? []).map((n) => n.op_type),
    initializers: (graph.initializer ?? []).map((t) => ({ name: t.name, dims: t.dims ?? [] })),
    metadata: Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key, p.value])),
  };
}
