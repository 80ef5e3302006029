import { ValidationError } from '../../../shared/errors/index.js';

export interface LrSchedule {
  /** peak learning rate */
  base: number;
  totalSteps: number;
  /** linear warm-up from 0 over these steps, then cosine decay to `final`·base */
  warmupSteps: number;
  /** fraction of base reached at the end; default 0 */
  final?: number;
}

/** Default warm-up: 10% of the run, at most 500 steps (a fine-tune of a few hundred steps still warms up). */
export function defaultWarmupSteps(totalSteps: number): number {
  return Math.min(500, Math.round(totalSteps * 0.1));
}

/** Learning rate for 0-based `step`: linear warm-up then half-cosine, as SimCLR/SimSiam train. */
export function learningRateAt(schedule: LrSchedule, step: number): number {
  const { base, totalSteps, warmupSteps } = schedule;
  const final = schedule.final ?? 0;
  if (!(base >= 0) || !(totalSteps >= 1) || !(warmupSteps >= 0))
    throw new ValidationError(`bad learning-rate schedule ${JSON.stringify(schedule)}`);
  if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  return base * (final + (1 - final) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
