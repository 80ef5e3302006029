/**
 * Identity for wasm without a copy. tfjs clones every tensor it saves for the backward pass (~400 per
 * ResNet-18 training step); the stock wasm Identity copies the data each time (~20 ms a step), while
 * tensors are immutable, so sharing the buffer under a reference count — what the cpu backend and the
 * wasm Reshape already do — is enough.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

export const identityShared: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityWasmConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identityShared,
};
