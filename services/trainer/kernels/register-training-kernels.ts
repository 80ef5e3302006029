import {
  getGradient,
  getKernel,
  registerGradient,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs';
import { batchNormTrainConfigs, batchNormTrainGradConfig } from './batch-norm-train.js';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { identityWasmConfig } from './identity.js';
import { maxPoolGradWasmConfig } from './max-pool-grad.js';

/**
 * The kernels the project provides: gradient kernels missing from (Conv2DBackpropFilter) or too slow in
 * (Conv2DBackpropInput, MaxPoolGrad, Identity) tfjs-backend-wasm 4.22, and the fused training batch norm
 * (GibsBatchNormTrain + its gradient kernel) for wasm and cpu.
 */
export const trainingKernels: readonly KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  maxPoolGradWasmConfig,
  identityWasmConfig,
  ...batchNormTrainConfigs,
];

/**
 * Registers them (over the stock kernels where those exist) and the batch-norm gradient. Idempotent; the
 * tfjs registries are per thread (per module instance), so every worker thread calls this for itself.
 * Returns the kernel names.
 */
export function registerTrainingKernels(): string[] {
  for (const config of trainingKernels) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  if (getGradient(batchNormTrainGradConfig.kernelName) !== batchNormTrainGradConfig)
    registerGradient(batchNormTrainGradConfig);
  return [...new Set(trainingKernels.map((k) => `${k.kernelName}@${k.backendName}`))];
}
