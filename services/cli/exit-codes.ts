import { AbortedError, AppError, ValidationError, describeError, errorCodes } from '../../shared/errors/index.js';

/**
 * 0 ok; 1 the work failed; 2 the input was wrong (config, flags, arguments); 3 `eval --current` kept the current
 * checkpoint (neither a failure nor a usage error, so a script can branch on the gate); 130 interrupted.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_KEEP_CURRENT = 3;
export const EXIT_INTERRUPTED = 130;

/** Error classes (and their subclasses, e.g. ConfigError) that decide the status by what they are. */
const statusByClass: [new (...args: never[]) => AppError, number][] = [
  [ValidationError, EXIT_USAGE],
  [AbortedError, EXIT_INTERRUPTED],
];

/**
 * Codes that decide it when the class was lost on the way: an error rebuilt from a worker thread's message
 * is a plain AppError carrying the original code.
 */
const statusByCode: ReadonlyMap<string, number> = new Map([
  [errorCodes.validation, EXIT_USAGE],
  [errorCodes.config, EXIT_USAGE],
  [errorCodes.aborted, EXIT_INTERRUPTED],
]);

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof AppError)) return EXIT_FAILED;
  for (const [type, status] of statusByClass) if (error instanceof type) return status;
  return statusByCode.get(error.code) ?? EXIT_FAILED;
}

export function reportError(error: unknown): void {
  const status = exitCodeFor(error);
  const prefix = status === EXIT_USAGE ? 'error' : 'failed';
  process.stderr.write(`gibs-embed: ${prefix}: ${describeError(error)}\n`);
  if (status === EXIT_FAILED && !(error instanceof AppError) && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
