export { registerWasmTrainingKernels, wasmTrainingKernels } from './register-wasm-kernels.js';
export { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
