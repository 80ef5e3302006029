import { ValidationError } from '../errors/index.js';
import {
  DAY_MS,
  type IsoDuration,
  addDuration,
  fixedLengthMs,
  formatDate,
  isDateOnly,
  parseDuration,
  parseInstant,
  startOfDay,
  stepsBefore,
} from './iso-time.js';
import { gibsErrorCodes } from './gibs-errors.js';

/** One `start/end/period` value of a WMTS time dimension; a single date is start = end with period P1D. */
export interface TimeInterval {
  start: string;
  end: string;
  /** ISO 8601 duration: P1D, P8D, P1M, P1Y, PT10M ... */
  period: string;
}

export interface TimeDimension {
  default?: string;
  intervals: TimeInterval[];
}

/** What the time helpers need of a layer (LayerInfo satisfies it). */
export interface TimedLayer {
  id?: string;
  time?: TimeDimension;
}

interface ParsedInterval {
  start: number;
  end: number;
  period: IsoDuration;
}

/**
 * Parses one `<Value>`: `start/end/period`, `start/end` (taken as daily) or a single instant. Throws
 * ValidationError code 'BAD_TIME' on anything else, including end before start.
 */
export function parseTimeValue(value: string): TimeInterval {
  const parts = value.trim().split('/');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p.length === 0)) {
    throw new ValidationError(`not a WMTS time value: '${value}'`, { code: gibsErrorCodes.badTime });
  }
  const [start, end = start, period = 'P1D'] = parts;
  const interval = { start, end, period };
  parseInterval(interval);
  return interval;
}

function parseInterval(interval: TimeInterval): ParsedInterval {
  const start = parseInstant(interval.start);
  const end = parseInstant(interval.end);
  if (end < start) {
    throw new ValidationError(`time interval ends before it starts: ${interval.start}/${interval.end}`, {
      code: gibsErrorCodes.badTime,
    });
  }
  return { start, end, period: parseDuration(interval.period) };
}

/**
 * Calls `visit` with every grid instant start + k * period (k >= 0, up to end) in [fromMs, toMs), in order;
 * stops when it returns false. An end that is off the grid is not an instant of its own: OnEarth's time
 * service snaps any request inside an interval to the previous grid step (time_service.lua, time_snap),
 * so e.g. 2016-01-01/2017-03-30/P8D serves 2017-03-30 as 2017-03-24. Harvesting the end would store the
 * 2017-03-24 image a second time under another date.
 */
function forEachInstant(iv: ParsedInterval, fromMs: number, toMs: number, visit: (ms: number) => boolean): void {
  const lo = Math.max(fromMs, iv.start);
  const hi = Math.min(toMs, iv.end + 1);
  if (lo >= hi) return;
  let k = Math.max(0, stepsBefore(iv.start, iv.period, lo));
  let t = addDuration(iv.start, iv.period, k);
  while (t < lo) t = addDuration(iv.start, iv.period, ++k);
  for (; t < hi; t = addDuration(iv.start, iv.period, ++k)) {
    if (!visit(t)) return;
  }
}

/** The last grid instant of an interval (start + k * period <= end, k as large as possible). */
function lastInstant(iv: ParsedInterval): number {
  let k = Math.max(0, stepsBefore(iv.start, iv.period, iv.end));
  while (addDuration(iv.start, iv.period, k + 1) <= iv.end) k++;
  while (k > 0 && addDuration(iv.start, iv.period, k) > iv.end) k--;
  return addDuration(iv.start, iv.period, k);
}

function intervalsOf(layer: TimedLayer): ParsedInterval[] {
  return (layer.time?.intervals ?? []).map(parseInterval);
}

/**
 * Whether the layer has imagery for `date`: a YYYY-MM-DD day holding at least one grid instant of one of
 * its intervals, or (for a full date-time) exactly a grid instant. Layers without a time dimension have no
 * dates (they are requested with time 'default').
 */
export function layerHasDate(layer: TimedLayer, date: string): boolean {
  const from = parseInstant(date);
  const to = isDateOnly(date) ? from + DAY_MS : from + 1;
  for (const iv of intervalsOf(layer)) {
    let found = false;
    forEachInstant(iv, from, to, () => {
      found = true;
      return false;
    });
    if (found) return true;
  }
  return false;
}

/** Every YYYY-MM-DD in [from, to] (inclusive days) on which the layer has imagery, ascending, no repeats. */
export function layerDates(layer: TimedLayer, from: string, to: string): string[] {
  const fromMs = startOfDay(parseInstant(from));
  const toMs = startOfDay(parseInstant(to)) + DAY_MS;
  if (toMs <= fromMs)
    throw new ValidationError(`date range ends before it starts: ${from} .. ${to}`, { code: gibsErrorCodes.badTime });
  const days = new Set<number>();
  for (const iv of intervalsOf(layer)) {
    const step = fixedLengthMs(iv.period);
    if (step !== undefined && step <= DAY_MS) {
      // Sub-daily or daily steps hit every day from the first instant's to the last one's: no need to walk
      // (PT10M over years would be millions of instants).
      const last = lastInstant(iv);
      for (let d = Math.max(fromMs, startOfDay(iv.start)); d < toMs && d <= last; d += DAY_MS) days.add(d);
      continue;
    }
    forEachInstant(iv, fromMs, toMs, (t) => {
      days.add(startOfDay(t));
      return true;
    });
  }
  return [...days].sort((a, b) => a - b).map(formatDate);
}

/** The last day holding a grid instant (YYYY-MM-DD), or undefined when the layer has no time dimension. */
export function latestDate(layer: TimedLayer): string | undefined {
  let latest: number | undefined;
  for (const iv of intervalsOf(layer)) {
    const last = lastInstant(iv);
    if (latest === undefined || last > latest) latest = last;
  }
  return latest === undefined ? undefined : formatDate(latest);
}
