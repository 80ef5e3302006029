import {
  OnnxAttributeType,
  OnnxDataType,
  type AttributeProtoObject,
  type NodeProtoObject,
  type TensorProtoObject,
  type ValueInfoProtoObject,
} from './onnx-schema.js';

/** A float32 initializer; raw_data is little-endian by the ONNX spec, so it is written through a DataView. */
export function floatTensor(name: string, dims: number[], data: Float32Array | Float64Array): TensorProtoObject {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims, data_type: OnnxDataType.FLOAT, raw_data: raw };
}

export function intsAttr(name: string, ints: number[]): AttributeProtoObject {
  return { name, type: OnnxAttributeType.INTS, ints };
}

export function intAttr(name: string, i: number): AttributeProtoObject {
  return { name, type: OnnxAttributeType.INT, i };
}

export function floatAttr(name: string, f: number): AttributeProtoObject {
  return { name, type: OnnxAttributeType.FLOAT, f };
}

export function node(
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attribute: AttributeProtoObject[] = [],
): NodeProtoObject {
  return { op_type: opType, name, input, output, attribute };
}

/** A float32 graph input/output; a string dim is symbolic (dynamic), a number is fixed. */
export function floatValueInfo(name: string, dims: Array<number | string>): ValueInfoProtoObject {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: OnnxDataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}
