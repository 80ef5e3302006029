import type { Bbox } from '../../shared/tiles/index.js';
import type { RetryPolicy } from '../../shared/retry/index.js';

/** One scheduled harvest: a layer × tile matrix set × levels × area of interest, harvested each day. */
export interface HarvestJob {
  layer: string;
  /** default: the layer's first TileMatrixSet in the capabilities */
  tms?: string;
  levels: number[];
  /** default: the whole world */
  bbox?: Bbox;
}

/**
 * The harvester's slice of the configuration (the composition root maps the app config onto it). Only
 * `schedule`, `lagDays`, `timezone` and `jobs` come from the user; the rest have sensible defaults.
 */
export interface HarvesterConfig {
  /** node-cron expression (minute hour day month weekday), default '0 6 * * *' */
  schedule: string;
  /** GIBS publishes late: a scheduled run harvests today (UTC) minus this many days */
  lagDays: number;
  /** zone the cron expression is read in, e.g. 'UTC' */
  timezone: string;
  jobs: HarvestJob[];
  /** tiles processed at once (fetch, decode, store, produce); 1..32, default 8 */
  concurrency?: number;
  /**
   * A scheduled run also looks back this many days before today − lagDays and fetches the tiles of those
   * dates the ledger does not hold yet (a missed tick, GIBS down, tiles that failed); tiles it holds are
   * not requested again. 0 disables. Default 3.
   */
  catchUpDays?: number;
  /** harvest once right after start() as well (default false) */
  runOnStart?: boolean;
  /** capabilities are fetched once per harvest and reused for this long (default 10 min) */
  capabilitiesTtlMs?: number;
  /** a request expanding to more tiles than this is refused before any tile request (default 200,000) */
  maxTilesPerHarvest?: number;
  /** stop() lets in-flight tiles finish for this long, then aborts them (default 30 s) */
  drainTimeoutMs?: number;
  /** messages produced to the bus in one call at most (default 64) */
  produceBatchSize?: number;
  /** how long a partial batch waits for more tiles before it is produced (default 20 ms) */
  produceLingerMs?: number;
  /** retries of the tile store and the bus on retriable errors (HTTP retries live in GibsClient) */
  storeRetry?: RetryPolicy;
}

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

export const harvesterDefaults = {
  schedule: '0 6 * * *',
  lagDays: 1,
  catchUpDays: 3,
  timezone: 'UTC',
  concurrency: 8,
  capabilitiesTtlMs: 10 * 60_000,
  maxTilesPerHarvest: 200_000,
  drainTimeoutMs: 30_000,
  produceBatchSize: 64,
  produceLingerMs: 20,
  storeRetry: { retries: 5, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 } satisfies RetryPolicy,
} as const;

/** Hard cap on tile concurrency: GIBS etiquette wants a handful of connections, never hundreds. */
export const MAX_HARVEST_CONCURRENCY = 32;
