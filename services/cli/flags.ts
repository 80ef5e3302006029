import { InvalidArgumentError } from 'commander';
import { isIsoDate } from '../../shared/gibs/index.js';

/**
 * Flag parsers for commander. A wrong value throws InvalidArgumentError, which commander reports with the
 * flag's name and the CLI turns into exit status 2 — before any work starts.
 */
export function intFlag(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

export function numberFlag(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

export function dateFlag(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`expected a calendar date YYYY-MM-DD, got "${value}"`);
  return value;
}

/** minLon,minLat,maxLon,maxLat in degrees; minLon > maxLon means the box crosses the antimeridian */
export function bboxFlag(value: string): [number, number, number, number] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  const [minLon, minLat, maxLon, maxLat] = parts;
  const ok =
    parts.length === 4 &&
    parts.every(Number.isFinite) &&
    [minLon, maxLon].every((x) => x >= -180 && x <= 180) &&
    [minLat, maxLat].every((y) => y >= -90 && y <= 90) &&
    minLat < maxLat &&
    minLon !== maxLon;
  if (!ok)
    throw new InvalidArgumentError(
      `expected minLon,minLat,maxLon,maxLat with lon in [-180,180], lat in [-90,90], minLat < maxLat; got "${value}"`,
    );
  return [minLon, minLat, maxLon, maxLat];
}

export function choiceFlag<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    return value as T;
  };
}
