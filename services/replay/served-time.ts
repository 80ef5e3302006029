import { ValidationError } from '../../shared/errors/index.js';
import { type TimeInterval, addDuration, formatDate, parseDuration, parseInstant } from '../../shared/gibs/index.js';

const DAY_MS = 86_400_000;

/**
 * Time handling of the replay, following OnEarth's time service: a requested TIME snaps to the previous step
 * of the interval that contains it (time_snap with snap_to_previous), and the snapped instant is what
 * `Layer-Time-Actual` reports, formatted %Y-%m-%dT%H:%M:%SZ as OnEarth does.
 */

/** OnEarth's TIME pattern (mod_wmts_wrapper): a date or a whole-second UTC date-time, nothing looser. */
const ONEARTH_TIME = /^\d{4}-\d{2}-\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The instant (UTC ms) of a TIME in OnEarth's pattern, or undefined when malformed or not on the calendar. */
export function parseRequestTime(value: string): number | undefined {
  if (!ONEARTH_TIME.test(value)) return undefined;
  try {
    return parseInstant(value);
  } catch (error) {
    // 2021-02-30 matches the pattern but is no date: the request is malformed (400), not a server fault.
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

/** OnEarth accepts YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or `default` (any case) as TIME; anything else is a 400. */
export function isWellFormedTime(value: string): boolean {
  return value.toLowerCase() === 'default' || parseRequestTime(value) !== undefined;
}

/** The `Layer-Time-Actual` form: 2020-09-27T00:00:00Z. */
export function formatLayerTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The last grid step (start + k * period, k >= 0) of `interval` at or before `at`; undefined outside it. */
function snapInInterval(interval: TimeInterval, at: number): number | undefined {
  const start = parseInstant(interval.start);
  const end = parseInstant(interval.end);
  if (at < start || at > end) return undefined;
  const period = parseDuration(interval.period);
  if (period.years === 0 && period.months === 0) {
    const stepMs = period.days * DAY_MS + period.timeMs;
    return start + Math.floor((at - start) / stepMs) * stepMs;
  }
  // Calendar steps (P1M, P1Y): few enough over any GIBS range (a few hundred) to walk.
  let k = 0;
  while (addDuration(start, period, k + 1) <= at) k++;
  return addDuration(start, period, k);
}

/**
 * Snap a well-formed TIME (not `default`) to the served instant, or undefined when no interval contains it
 * (GIBS: date out of range, 404).
 */
export function snapTime(value: string, intervals: readonly TimeInterval[]): number | undefined {
  const at = parseRequestTime(value);
  if (at === undefined) return undefined;
  // Intervals may overlap (a widened single day inside a coarser-step interval): the latest step wins.
  let best: number | undefined;
  for (const interval of intervals) {
    const snapped = snapInInterval(interval, at);
    if (snapped !== undefined && (best === undefined || snapped > best)) best = snapped;
  }
  return best;
}

/**
 * Widen a time dimension so each of `dates` (YYYY-MM-DD) is served as itself: a date that already snaps to
 * itself changes nothing; a date on the step grid past the last interval's end (or before the first one's
 * start) extends that interval; any other date gets its own one-day interval. Returns intervals sorted by
 * start, and the default moved to the new latest end when that is later (GIBS's default is the latest day).
 */
export function widenTimeDimension(
  time: { default: string; intervals: readonly TimeInterval[] },
  dates: readonly string[],
): { default: string; intervals: TimeInterval[] } {
  const intervals = time.intervals.map((i) => ({ ...i }));
  const byStart = (a: TimeInterval, b: TimeInterval): number => parseInstant(a.start) - parseInstant(b.start);
  for (const date of dates) {
    const at = parseInstant(date);
    if (snapTime(date, intervals) === at) continue;
    intervals.sort(byStart);
    const first = intervals[0];
    const last = intervals[intervals.length - 1];
    if (last && at > parseInstant(last.end) && snapInInterval({ ...last, end: date }, at) === at) {
      last.end = date;
    } else if (first && at < parseInstant(first.start) && onGridFrom(date, first)) {
      first.start = date;
    } else {
      intervals.push({ start: date, end: date, period: 'P1D' });
    }
  }
  intervals.sort(byStart);
  const latest = Math.max(...intervals.map((i) => parseInstant(i.end)));
  const current = parseRequestTime(time.default);
  return { default: current === undefined || latest > current ? formatDate(latest) : time.default, intervals };
}

/** Whether `interval`'s start is a whole number of its steps after `date` (so the start may move there). */
function onGridFrom(date: string, interval: TimeInterval): boolean {
  const start = parseInstant(interval.start);
  return snapInInterval({ ...interval, start: date }, start) === start;
}
