import { ValidationError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import { validateLimit } from '../store-validation.js';
import type { MaintenanceReport } from './lance-maintenance.js';
import type { SearchPlan } from './lance-search.js';

export interface LanceVectorStoreOptions {
  /** the store's folder (created if missing) */
  path: string;
  /** exact search when the filter keeps at most this fraction of the rows (config `store.exactBelowSelectivity`) */
  exactBelowSelectivity: number;
  /** no ANN index below this many rows */
  indexMinRows: number;
  /** background maintenance at most this often */
  maintenanceIntervalMs: number;
  logger?: Logger;
  /** how long a write waits for another process's write before STORE_UNAVAILABLE (default 30 s) */
  lockTimeoutMs?: number;
  /** IVF partitions probed at least (default 20) and the refine factor of ANN searches (default 5) */
  minNprobes?: number;
  refineFactor?: number;
  /** debugging and tests: each search's plan, each maintenance pass */
  onPlan?: (plan: SearchPlan) => void;
  onMaintenance?: (report: MaintenanceReport) => void;
}

/** Throws a ValidationError naming the first bad option (config has checked them; direct callers may not). */
export function validateLanceOptions(options: LanceVectorStoreOptions): void {
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new ValidationError('store path must be a non-empty string');
  }
  const s = options.exactBelowSelectivity;
  if (!(typeof s === 'number' && s >= 0 && s <= 1)) {
    throw new ValidationError(`exactBelowSelectivity must be in [0, 1], got ${s}`);
  }
  validateLimit(options.indexMinRows, Number.MAX_SAFE_INTEGER, 'indexMinRows');
  validateLimit(options.maintenanceIntervalMs, 2 ** 31 - 1, 'maintenanceIntervalMs');
  if (options.lockTimeoutMs !== undefined) validateLimit(options.lockTimeoutMs, 2 ** 31 - 1, 'lockTimeoutMs');
  if (options.minNprobes !== undefined) validateLimit(options.minNprobes, 1_000_000, 'minNprobes');
  if (options.refineFactor !== undefined) validateLimit(options.refineFactor, 1000, 'refineFactor');
}
