/** The codes of the errors the PyTorch backend throws, written once. */
export const torchErrorCodes = {
  /** the configured Python interpreter cannot be started (not installed, not executable) */
  pythonMissing: 'TORCH_PYTHON_MISSING',
  /** the Python runs but cannot import torch (or the gibs_embed_torch package) */
  torchMissing: 'TORCH_MISSING',
  /** --device cuda, but this torch sees no CUDA device */
  cudaUnavailable: 'TORCH_CUDA_UNAVAILABLE',
  /** a training rank exited non-zero, or was killed */
  rankFailed: 'TORCH_RANK_FAILED',
  /** the run was stopped through its AbortSignal before it finished */
  aborted: 'TORCH_ABORTED',
  /** the finished run's outputs (done.json, weights) are missing or do not fit the architecture */
  badOutput: 'TORCH_BAD_OUTPUT',
} as const;

export type TorchErrorCode = (typeof torchErrorCodes)[keyof typeof torchErrorCodes];
