import { ValidationError } from '../../shared/errors/index.js';
import { embedderErrorCodes } from './embedder-errors.js';

/**
 * TEST-ONLY fault injection for the crash tests (test/e2e/cli-embed-crash.test.ts): the points of a batch where
 * a `kill -9` proves the delivery semantics. After the batch is embedded (nothing written), after its vectors are
 * stored (nothing produced or committed) and after its offsets are committed.
 */
export const crashPoints = ['after-decode', 'after-upsert', 'after-commit'] as const;
export type CrashPoint = (typeof crashPoints)[number];

/** called by the embedder each time a batch reaches a point */
export type CrashHook = (point: CrashPoint) => void;

export interface CrashSpec {
  point: CrashPoint;
  /** the Nth time any batch of this process reaches `point` (1 = the first) */
  nth: number;
}

/** `after-upsert` or `after-upsert:3` → { point, nth }; anything else is a ValidationError naming what is allowed. */
export function parseCrashSpec(text: string): CrashSpec {
  const [point, nthText, ...rest] = text.split(':');
  const nth = nthText === undefined ? 1 : Number(nthText);
  if (!(crashPoints as readonly string[]).includes(point) || rest.length > 0 || !Number.isInteger(nth) || nth < 1)
    throw new ValidationError(
      `crash point ${JSON.stringify(text)} is not one of ${crashPoints.join('|')} with an optional :N (N ≥ 1)`,
      { code: embedderErrorCodes.badCrashPoint },
    );
  return { point: point as CrashPoint, nth };
}

/**
 * A hook that kills this process with SIGKILL (no cleanup, no flush: a real crash) the `nth` time `point` is
 * reached. Only the CLI builds one, from the test-only GIBS_EMBED_CRASH_AT variable.
 */
export function killAtCrashPoint(
  spec: CrashSpec,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): CrashHook {
  let seen = 0;
  return (point) => {
    if (point === spec.point && ++seen === spec.nth) kill();
  };
}
