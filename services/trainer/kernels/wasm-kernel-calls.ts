/**
 * Kernel-level building blocks for the project's wasm gradient kernels. A kernel function must not call
 * high-level tfjs ops (they would be recorded on the gradient tape and tracked by the engine); it calls the
 * wasm backend's own kernels on `TensorInfo`s and frees every intermediate it makes.
 */
import { getKernel, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { AppError } from '../../../shared/errors/index.js';
import { kernelErrorCodes } from './kernel-errors.js';

export function callWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel)
    throw new AppError(kernelErrorCodes.missing, `wasm kernel ${name} is not registered`, { retriable: false });
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out))
    throw new AppError(kernelErrorCodes.shape, `wasm kernel ${name} returned several outputs`, { retriable: false });
  return out;
}

export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return callWasmKernel(backend, 'Transpose', { x }, { perm });
}

/** Contiguous box slice (begin/size per axis, size -1 = to the end). */
export function sliceInfo(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return callWasmKernel(backend, 'Slice', { x }, { begin, size });
}

export function conv2dInfo(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  pads: { top: number; bottom: number; left: number; right: number },
  dilations: [number, number] = [1, 1],
): TensorInfo {
  const pad = [
    [0, 0],
    [pads.top, pads.bottom],
    [pads.left, pads.right],
    [0, 0],
  ];
  return callWasmKernel(backend, 'Conv2D', { x, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations });
}

/** Make a float32 tensor on the wasm heap from JS data (used for small filters rearranged in JS). */
export function uploadInfo(backend: BackendWasm, shape: number[], values: Float32Array): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

export function readInfo(backend: BackendWasm, x: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

export function disposeInfos(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
