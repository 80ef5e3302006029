import { ValidationError } from '../../shared/errors/index.js';
import type { FaultKind, FaultOptions } from './replay-types.js';
import { checkSize } from './tile-faults.js';
import { replayErrorCodes } from './replay-errors.js';

export interface FaultPlan {
  /** the fault for the next tile request, or undefined for a normal answer; one call per request */
  next(): FaultKind | undefined;
  readonly latencyMs: number;
  readonly retryAfterSeconds: number;
  readonly includeCapabilities: boolean;
  /** side of the images a wrongSize fault serves */
  readonly wrongSizePx: number;
}

const RATE_KEYS = ['errorRate', 'rateLimitRate', 'resetRate', 'truncateRate', 'wrongSizeRate'] as const;

/** Throws ValidationError (code 'BAD_FAULT_OPTIONS') for negative, non-finite or over-committed rates. */
export function validateFaultOptions(faults: FaultOptions): void {
  let sum = 0;
  for (const key of RATE_KEYS) {
    const rate = faults[key] ?? 0;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new ValidationError(`faults.${key} must be a number in [0, 1], got ${String(rate)}`, {
        code: replayErrorCodes.badFaultOptions,
      });
    }
    sum += rate;
  }
  if (sum > 1 + 1e-9) {
    throw new ValidationError(`fault rates add up to ${sum}, more than 1`, { code: replayErrorCodes.badFaultOptions });
  }
  for (const key of ['latencyMs', 'retryAfterSeconds'] as const) {
    const value = faults[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new ValidationError(`faults.${key} must be a non-negative number, got ${String(value)}`, {
        code: replayErrorCodes.badFaultOptions,
      });
    }
  }
  if (faults.wrongSizePx !== undefined) checkSize(faults.wrongSizePx, faults.wrongSizePx);
}

/**
 * One uniform draw per request is cut into consecutive bands (reset, 5xx, 429, truncate, wrong size, none) so each kind
 * is hit at its configured rate; a 5xx takes a second draw to pick 500 or 503.
 */
export function createFaultPlan(faults: FaultOptions, random: () => number): FaultPlan {
  validateFaultOptions(faults);
  const reset = faults.resetRate ?? 0;
  const error = faults.errorRate ?? 0;
  const rateLimit = faults.rateLimitRate ?? 0;
  const truncate = faults.truncateRate ?? 0;
  const wrongSize = faults.wrongSizeRate ?? 0;
  return {
    latencyMs: faults.latencyMs ?? 0,
    retryAfterSeconds: faults.retryAfterSeconds ?? 1,
    includeCapabilities: faults.includeCapabilities ?? false,
    wrongSizePx: faults.wrongSizePx ?? 64,
    next(): FaultKind | undefined {
      const u = random();
      if (u < reset) return 'reset';
      if (u < reset + error) return random() < 0.5 ? 'error500' : 'error503';
      if (u < reset + error + rateLimit) return 'rateLimit';
      if (u < reset + error + rateLimit + truncate) return 'truncate';
      if (u < reset + error + rateLimit + truncate + wrongSize) return 'wrongSize';
      return undefined;
    },
  };
}
