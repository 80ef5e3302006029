/**
 * Data access for the project's JS kernels, on the two CPU backends. Kernels that run in JS read and write
 * the backend's own buffers in place: for wasm these are views of the wasm heap (allocate every output
 * BEFORE taking any view: an allocation may grow the heap and detach older views), for cpu the stored
 * typed arrays.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { AppError } from '../../../shared/errors/index.js';
import { kernelErrorCodes } from './kernel-errors.js';

export interface KernelIo {
  /** a new float32 output */
  alloc(shape: number[]): TensorInfo;
  /** the float32 values of a tensor (writable for outputs of alloc) */
  view(info: TensorInfo): Float32Array;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): ArrayLike<number>;
}
interface CpuLike {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  readSync(dataId: object): ArrayLike<number>;
}

export function kernelIo(backend: object): KernelIo {
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as WasmLike;
    return {
      alloc: (shape) => wasm.makeOutput(shape, 'float32'),
      view: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
    };
  }
  if ('makeTensorInfo' in backend && 'readSync' in backend) {
    const cpu = backend as CpuLike;
    return {
      alloc: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
      view: (info) => {
        const values = cpu.readSync(info.dataId);
        if (!(values instanceof Float32Array))
          throw new AppError(kernelErrorCodes.dtype, 'project kernels take float32 tensors only', { retriable: false });
        return values;
      },
    };
  }
  throw new AppError(kernelErrorCodes.unsupported, 'project JS kernels run on the wasm and cpu backends only', {
    retriable: false,
  });
}
