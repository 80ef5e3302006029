import type { TimeInterval } from '../../shared/gibs/index.js';
import type { Logger } from '../../shared/log/index.js';

/**
 * Faults the replay server injects into tile requests so clients can be tested against a misbehaving GIBS.
 * Rates are shares of tile requests in [0, 1]; they partition one uniform draw per request, so their sum must
 * not exceed 1. Draws come from a PRNG seeded with `ReplayOptions.seed`: the same sequence of requests sees
 * the same faults on every run.
 */
export interface FaultOptions {
  /** added before every tile answer (faulted or not) */
  latencyMs?: number;
  /** share answered 500 or 503 (half each, by a second draw) */
  errorRate?: number;
  /** share answered 429 with Retry-After */
  rateLimitRate?: number;
  /** Retry-After value sent with 429 (and 503); default 1 */
  retryAfterSeconds?: number;
  /** share whose socket is reset (TCP RST) before any response byte */
  resetRate?: number;
  /** share of 200 tile answers whose body is cut short while Content-Length still announces the full size */
  truncateRate?: number;
  /** share of 200 tile answers re-encoded at `wrongSizePx` square: a valid image of the wrong size */
  wrongSizeRate?: number;
  /** side of the wrong-size images, 1..32767; default 64 */
  wrongSizePx?: number;
  /** also fault the capabilities document (default false: faults hit tile requests only) */
  includeCapabilities?: boolean;
}

export interface ReplayOptions {
  /** the data kit (../shared/data from the repo root) */
  dataDir: string;
  /** default 127.0.0.1 */
  host?: string;
  /** 0 (default) = an ephemeral port */
  port?: number;
  faults?: FaultOptions;
  /** PRNG seed for fault draws; default 1 */
  seed?: number;
  logger?: Logger;
  /** build the mosaic pyramids before listening (slower start, no first-request delay); default false */
  pregenerate?: boolean;
  /**
   * Load tests only (default false): a valid tile of a layer that has imagery, where the replay has none,
   * is answered with one of that layer's imagery tiles (chosen by a hash of date/z/row/col, so the same
   * request always gets the same bytes) instead of the blank tile, with the header `X-Replay-Repeated: 1`.
   * Lets a harvest of any size fetch only real, non-blank imagery; the answers are not GIBS's.
   */
  repeatRealTiles?: boolean;
  /**
   * Serve the kit's imagery of one date as if GIBS had published it on other dates too: `{ '2026-11-29':
   * '2020-09-27' }` answers requests for 2026-11-29 with 2020-09-27's tiles (same bytes, so the same sha256) and
   * widens the capabilities' time dimension to include 2026-11-29. For demos and alert tests that need "today"
   * to have real imagery. Each target date must be a date the kit has imagery for (else BAD_DATE_ALIAS).
   */
  dateAliases?: Readonly<Record<string, string>>;
}

export type FaultKind = 'reset' | 'error500' | 'error503' | 'rateLimit' | 'truncate' | 'wrongSize';

/**
 * A scripted answer for every request of one tile (see ReplayServer.faultTile), where the rates above are
 * random shares. Applied to well-formed tile paths only, before the tile is resolved.
 */
export type TileFault =
  /** this status with a short text body (429 and 503 carry Retry-After: 0) */
  | { kind: 'status'; status: number }
  /** 200 with these bytes under this content type, whatever they are */
  | { kind: 'body'; contentType: string; body: Buffer }
  /** the tile's own answer re-encoded in its format at this size (very large ones as a solid image) */
  | { kind: 'wrong-size'; width: number; height: number }
  /** takes the request and never answers: only the client's timeout or abort (or close()) ends it */
  | { kind: 'hang' };

export interface ReplayStats {
  /** every HTTP request received */
  requests: number;
  /** requests for tile paths (not the capabilities), faulted ones included */
  tileRequests: number;
  /** 200 answers carrying imagery (real tiles or mosaic pyramid tiles) */
  tiles: number;
  /** 200 answers carrying the GIBS blank tile */
  blanks: number;
  /** 304 answers */
  notModified: number;
  /** 4xx answers produced by GIBS semantics (bad layer, TIME, tile out of range, date out of range, ...) */
  errors: number;
  /** injected random faults, all kinds */
  faults: number;
  faultsByKind: Record<FaultKind, number>;
  /** answers replaced by a scripted tile fault (faultTile) */
  scriptedFaults: number;
  /** 200 answers that repeat imagery of another position (repeatRealTiles); also counted in `tiles` */
  repeated: number;
}

/** One tile the replay has imagery for (never a blank). */
export interface ReplayTileRef {
  layer: string;
  /** YYYY-MM-DD; for a layer without a time dimension, the date clients may put in the URL is ignored */
  date: string | null;
  tms: string;
  z: number;
  row: number;
  col: number;
  ext: 'jpg' | 'png';
  source: 'real-tile' | 'mosaic';
}

export interface ReplayImagery {
  /** null for a layer without a time dimension (any date, or none, gets this imagery) */
  date: string | null;
  source: 'real-tiles' | 'mosaic';
  /** the file it comes from: the tile folder or the mosaic image, relative to dataDir */
  origin: string;
  levels: number[];
  tiles: ReplayTileRef[];
}

export type { TimeInterval };

export interface ReplayLayer {
  id: string;
  tms: string;
  format: 'image/jpeg' | 'image/png';
  /** the served time dimension (capabilities widened to the replay's imagery); null = no time dimension */
  time: { default: string; intervals: TimeInterval[] } | null;
  imagery: ReplayImagery[];
}

/** What the replay has imagery for. Every other capabilities layer is served too, as blank tiles. */
export interface ReplayCatalog {
  layers: ReplayLayer[];
  /** every non-blank tile, in a stable order */
  tiles(): ReplayTileRef[];
}

export interface ReplayServer {
  /** base URL to use as the GIBS base, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  stats(): ReplayStats;
  catalog: ReplayCatalog;
  /** scripts a fault for tile "z/row/col" of every layer and date; undefined removes it */
  faultTile(tile: string, fault: TileFault | undefined): void;
  /** every tile ETag changes (bytes do not), as after a GIBS re-deploy; '' restores the real ones */
  changeEtags(salt: string): void;
  close(): Promise<void>;
}
