import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.js';

/** The gradient kernels the project provides for the wasm backend (missing or too slow in tfjs 4.22). */
export const wasmTrainingKernels: readonly KernelConfig[] = [conv2dBackpropFilterWasmConfig, conv2dBackpropInputWasmConfig];

/**
 * Register (or re-register over the stock ones) the project's wasm gradient kernels. Idempotent; the kernel
 * registry is process-global in tfjs, so this affects every wasm backend in this thread. Returns the names.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of wasmTrainingKernels) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  return wasmTrainingKernels.map((k) => k.kernelName);
}
