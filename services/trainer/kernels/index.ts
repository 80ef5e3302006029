export { registerTrainingKernels, trainingKernels } from './register-training-kernels.js';
export { conv2dBackpropFilterWasm } from './conv2d-backprop-filter.js';
export { conv2dBackpropInputWasm } from './conv2d-backprop-input.js';
export { maxPoolGradJs, maxPoolBackward } from './max-pool-grad.js';
export {
  batchNormTrain,
  batchNormTrainForward,
  batchNormTrainBackward,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
} from './batch-norm-train.js';
export { kernelErrorCodes } from './kernel-errors.js';
export type { KernelErrorCode } from './kernel-errors.js';
