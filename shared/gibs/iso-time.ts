import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import { gibsErrorCodes } from './gibs-errors.js';

/**
 * ISO 8601 pieces the GIBS time dimension uses: dates (2017-04-24), UTC date-times (2016-01-01T10:13:24Z)
 * and durations (P1D, P8D, P1M, P1Y, PT10M, P1DT12H). All arithmetic is in UTC milliseconds.
 */
export const DAY_MS = 86_400_000;

export interface IsoDuration {
  years: number;
  months: number;
  /** days plus weeks * 7 */
  days: number;
  /** the time part (hours, minutes, seconds) in milliseconds */
  timeMs: number;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?Z$/;
/** RFC 3339 as stored and filtered on: seconds required, at most millisecond precision, Z or a ±hh:mm offset */
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DURATION_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function badTime(what: string, value: string): ValidationError {
  return new ValidationError(`not a valid ISO 8601 ${what}: '${value}'`, { code: gibsErrorCodes.badTime });
}

/** True for a date-only value (YYYY-MM-DD). */
export function isDateOnly(value: string): boolean {
  return DATE_RE.test(value);
}

/**
 * Epoch milliseconds of a DATE_RE / DATE_TIME_RE match, or undefined when it is not on the calendar
 * (2026-02-30, 24:00). Date.UTC maps years 0..99 to 1900..1999, so those fail the check too.
 */
function calendarMs(m: RegExpExecArray): number | undefined {
  // Unmatched optional groups are undefined and take the defaults.
  const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const t = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
  const check = new Date(t);
  const onCalendar = check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  return onCalendar && Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59 ? t : undefined;
}

/**
 * The one check of a calendar date written YYYY-MM-DD (config, bus messages, harvest plans, CLI flags):
 * the format and the calendar, so 2026-02-30 is refused.
 */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  return m !== null && calendarMs(m) !== undefined;
}

/** isIsoDate as a zod schema, for config files and bus messages. */
export const isoDateSchema = z.string().refine(isIsoDate, { message: 'expected a calendar date YYYY-MM-DD' });

/** Parses YYYY-MM-DD (midnight UTC) or YYYY-MM-DDThh:mm[:ss[.sss]]Z into epoch milliseconds, checking the calendar. */
export function parseInstant(value: string): number {
  const m = DATE_RE.exec(value) ?? DATE_TIME_RE.exec(value);
  const t = m ? calendarMs(m) : undefined;
  if (t === undefined) throw badTime('date', value);
  return t;
}

/**
 * Epoch milliseconds of YYYY-MM-DD (midnight UTC) or an RFC 3339 instant (`2026-06-01T12:00:00Z`,
 * `2026-06-01T14:00:00.250+02:00`), calendar-checked; undefined for anything else. The vector store's dates and
 * date filters are read with this; GIBS TIME values (UTC only) with parseInstant.
 */
export function parseRfc3339(value: string): number | undefined {
  const day = DATE_RE.exec(value);
  if (day) return calendarMs(day);
  const m = RFC3339_RE.exec(value);
  const t = m ? calendarMs(m) : undefined;
  if (!m || t === undefined) return undefined;
  const [, , , , , , , , sign, offsetH, offsetM] = m;
  if (sign === undefined) return t;
  if (Number(offsetH) > 23 || Number(offsetM) > 59) return undefined;
  const offsetMs = (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
  return sign === '+' ? t - offsetMs : t + offsetMs;
}

/** YYYY-MM-DD of the UTC day holding the instant. */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of the day holding the instant. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function parseDuration(value: string): IsoDuration {
  const m = DURATION_RE.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) throw badTime('duration', value);
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  const duration: IsoDuration = {
    years: n(1),
    months: n(2),
    days: n(3) * 7 + n(4),
    timeMs: Math.round((n(5) * 3600 + n(6) * 60 + n(7)) * 1000),
  };
  if (duration.years === 0 && duration.months === 0 && duration.days === 0 && duration.timeMs === 0) {
    throw badTime('duration (zero length)', value);
  }
  return duration;
}

/** Whether the duration has a fixed length in milliseconds (no calendar months or years). */
export function fixedLengthMs(d: IsoDuration): number | undefined {
  return d.years === 0 && d.months === 0 ? d.days * DAY_MS + d.timeMs : undefined;
}

/**
 * start + k * duration. Calendar parts are added as a whole from the start (not step by step), and a day
 * past the month's end is clamped to its last day, so 01-31 + P1M is 02-28/29 and the grid does not drift.
 */
export function addDuration(startMs: number, d: IsoDuration, k: number): number {
  const fixed = fixedLengthMs(d);
  if (fixed !== undefined) return startMs + k * fixed;
  const s = new Date(startMs);
  const totalMonths = s.getUTCMonth() + k * (d.years * 12 + d.months);
  const year = s.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = ((totalMonths % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const base = Date.UTC(year, month, Math.min(s.getUTCDate(), lastDay));
  return base + (startMs - startOfDay(startMs)) + k * (d.days * DAY_MS + d.timeMs);
}

/** A lower bound of k such that addDuration(start, d, k) <= target (exact for fixed lengths). */
export function stepsBefore(startMs: number, d: IsoDuration, targetMs: number): number {
  const fixed = fixedLengthMs(d);
  if (fixed !== undefined) return Math.floor((targetMs - startMs) / fixed);
  // Calendar steps: the shortest a step can be is 28 days per month, 365 per year, plus the fixed part.
  const minStep = (d.years * 365 + d.months * 28 + d.days) * DAY_MS + d.timeMs;
  const maxStep = (d.years * 366 + d.months * 31 + d.days) * DAY_MS + d.timeMs;
  const span = targetMs - startMs;
  return span <= 0 ? Math.floor(span / minStep) : Math.floor(span / maxStep);
}
