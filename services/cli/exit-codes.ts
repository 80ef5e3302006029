import { AppError, describeError } from '../../shared/errors/index.js';

/** 0 ok; 1 the work failed; 2 the input was wrong (config, flags, arguments); 130 interrupted. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

const USAGE_CODES = new Set(['CONFIG', 'VALIDATION']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof AppError && (USAGE_CODES.has(error.code) || error.name === 'ValidationError')) return EXIT_USAGE;
  if (error instanceof AppError && error.code === 'ABORTED') return EXIT_INTERRUPTED;
  return EXIT_FAILED;
}

export function reportError(error: unknown): void {
  const prefix = exitCodeFor(error) === EXIT_USAGE ? 'error' : 'failed';
  process.stderr.write(`gibs-embed: ${prefix}: ${describeError(error)}\n`);
  if (exitCodeFor(error) === EXIT_FAILED && !(error instanceof AppError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
