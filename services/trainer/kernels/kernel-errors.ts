/**
 * The codes of the errors the project's tfjs kernels throw, written once.
 */
export const kernelErrorCodes = {
  /** an attribute or backend the kernel does not implement */
  unsupported: 'KERNEL_UNSUPPORTED',
  /** a wasm kernel that is not registered */
  missing: 'KERNEL_MISSING',
  /** a kernel returned another number of outputs than expected */
  shape: 'KERNEL_SHAPE',
  /** a tensor that is not float32 */
  dtype: 'KERNEL_DTYPE',
} as const;

export type KernelErrorCode = (typeof kernelErrorCodes)[keyof typeof kernelErrorCodes];
