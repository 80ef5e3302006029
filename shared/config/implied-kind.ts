import { z } from 'zod';

/**
 * A backend slice whose `kind` may be left out: a value that names one backend's setting (BUS_PATH,
 * BLOB_STORE_DIR) implies that backend, so no variable is needed only to say which one. `pick` sees the
 * slice as written (an object without `kind`) and returns the kind to use; a missing slice is `{}`.
 */
export function impliedKind<T extends z.ZodType>(pick: (written: Record<string, unknown>) => string, schema: T) {
  return z.preprocess((value) => {
    const written = value === undefined ? {} : value;
    if (typeof written !== 'object' || written === null || Array.isArray(written) || 'kind' in written) return written;
    return { kind: pick(written as Record<string, unknown>), ...written };
  }, schema);
}
