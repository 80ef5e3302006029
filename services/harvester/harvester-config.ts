import type { Bbox } from '../../shared/tiles/index.js';

/**
 * The harvester's configuration is its slice of the schema (shared/config/harvester-schema.ts): every key,
 * default and limit is written there once. `HarvesterConfig` is what the unit takes (defaults may be left
 * out), `ResolvedHarvesterConfig` what it runs with, `HarvestJob` one scheduled harvest.
 */
export type {
  HarvesterConfig,
  ResolvedHarvesterConfig,
  HarvestJobConfig as HarvestJob,
} from '../../shared/config/index.js';

/** A backfill or a scheduled run: every date of the layer in [from, to] × levels × tiles covering bbox. */
export interface HarvestRequest {
  layer: string;
  /** YYYY-MM-DD, inclusive */
  from: string;
  /** YYYY-MM-DD, inclusive */
  to: string;
  levels: number[];
  tms?: string;
  bbox?: Bbox;
}

export interface HarvestFailure {
  /** tile key: layer/date/tms/z/row/col */
  tile: string;
  code: string;
  reason: string;
}

/**
 * What a harvest did. fetched = new or changed tiles stored and produced; blank = tiles GIBS answered with
 * its no-data image (not stored, not produced); unchanged = tiles already handled by an earlier run (304 or
 * same sha256); failed = tiles that kept failing, listed in `failures`.
 */
export interface HarvestSummary {
  layer: string;
  tms: string;
  dates: string[];
  levels: number[];
  /** tiles planned: dates × levels × covering tiles */
  tiles: number;
  fetched: number;
  blank: number;
  unchanged: number;
  failed: number;
  failures: HarvestFailure[];
  /** bytes of fetched tiles */
  bytes: number;
  seconds: number;
  /** true when the harvest stopped early (abort or stop()); run it again to resume */
  interrupted: boolean;
}

export interface HarvestProgress {
  done: number;
  total: number;
  fetched: number;
  blank: number;
  unchanged: number;
  failed: number;
}

export interface HarvestOptions {
  /**
   * Tiles of dates before this one (YYYY-MM-DD) that the ledger already holds as produced or blank are
   * not requested again: the scheduler's catch-up over recent days costs no requests for what it has.
   */
  skipKnownBefore?: string;
  /** aborts in-flight requests and stops the harvest; the summary comes back with interrupted: true */
  signal?: AbortSignal;
  onProgress?: (progress: HarvestProgress) => void;
}
