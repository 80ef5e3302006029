import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { describeIssues, formatKey } from './describe-issues.js';

/**
 * A unit's configuration through its slice of the schema: defaults filled in, anything out of range or
 * unknown refused with a ConfigError naming `<label>.<key>`, the value and what is allowed. How units
 * built from plain objects (tests, other composition roots) get the same rules as `loadConfig`.
 */
export function parseSlice<T extends z.ZodType>(schema: T, value: z.input<T>, label: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = describeIssues(parsed.error.issues, value, (path) => formatKey([label, ...path]));
  throw new ConfigError(`invalid ${label} configuration:\n  ${lines.join('\n  ')}`, parsed.error);
}
