import { z } from 'zod';
import { gibsConcurrencySchema } from './gibs-schema.js';

/** [minLon, minLat, maxLon, maxLat] in degrees; minLon > maxLon crosses the antimeridian (as validateBbox). */
const bboxSchema = z
  .tuple([
    z.number().min(-180).max(180),
    z.number().min(-90).max(90),
    z.number().min(-180).max(180),
    z.number().min(-90).max(90),
  ])
  .refine(
    ([, minLat, , maxLat]) => minLat < maxLat,
    'expected minLat < maxLat (minLon > maxLon crosses the antimeridian)',
  )
  .refine(
    ([minLon, , maxLon]) => minLon !== maxLon,
    'expected minLon != maxLon (a zero-width box or the whole world is ambiguous)',
  );

/** One scheduled harvest: a layer × tile matrix set × levels × area of interest, harvested each day. */
export const harvestJobSchema = z.strictObject({
  layer: z.string().min(1),
  /** default: the layer's first TileMatrixSet in the capabilities */
  tms: z.string().min(1).optional(),
  levels: z.array(z.number().int().min(0).max(12)).min(1),
  /** default: the whole world */
  bbox: bboxSchema.optional(),
});

/** Backoff of the tile store and the bus on retriable errors (HTTP retries live in the GIBS client). */
const retryPolicySchema = z.strictObject({
  retries: z.number().int().min(0).max(100),
  initialMs: z.number().min(0),
  maxMs: z.number().min(0),
  factor: z.number().min(1),
  jitter: z.number().min(0).max(1),
});

const harvesterFields = {
  /** `gibs-embed start` runs the harvester */
  enabled: z.boolean().default(true),
  /** node-cron expression (minute hour day month weekday), evaluated in `timezone` */
  schedule: z.string().min(1).default('0 6 * * *'),
  /** IANA zone the schedule is read in */
  timezone: z.string().min(1).default('UTC'),
  /** GIBS publishes late: the scheduled run harvests today (UTC) minus this many days */
  lagDays: z.number().int().min(0).max(60).default(1),
  /**
   * A scheduled run also looks back this many days before today − lagDays and fetches the tiles of those
   * dates the ledger does not hold yet (a missed tick, GIBS down, tiles that failed). 0 disables.
   */
  catchUpDays: z.number().int().min(0).max(60).default(3),
  /** harvest once right after start() as well */
  runOnStart: z.boolean().default(true),
  jobs: z.array(harvestJobSchema).default([{ layer: 'MODIS_Terra_CorrectedReflectance_TrueColor', levels: [2] }]),
  /** capabilities are fetched once per harvest and reused for this long */
  capabilitiesTtlMs: z
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  /** a request expanding to more tiles than this is refused before any tile request */
  maxTilesPerHarvest: z.number().int().min(1).default(200_000),
  /** stop() lets in-flight tiles finish for this long, then aborts them */
  drainTimeoutMs: z.number().int().min(0).default(30_000),
  /** messages produced to the bus in one call at most */
  produceBatchSize: z.number().int().min(1).max(10_000).default(64),
  /** how long a partial batch waits for more tiles before it is produced */
  produceLingerMs: z.number().int().min(0).max(60_000).default(20),
  storeRetry: retryPolicySchema.default({ retries: 5, initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.5 }),
};

/** `harvester` in the configuration: what the user writes (file, HARVEST_* variables). */
export const harvesterSchema = z.strictObject(harvesterFields).prefault({});

/**
 * What the harvester unit takes: its slice plus the tile concurrency, which the composition root copies
 * from `gibs.concurrency` (one knob for requests and tiles in flight). Tests pass plain partial objects.
 */
export const harvesterServiceSchema = z.strictObject({ ...harvesterFields, concurrency: gibsConcurrencySchema });

export type HarvesterSettings = z.output<typeof harvesterSchema>;
export type HarvestJobConfig = z.output<typeof harvestJobSchema>;
/** the harvester's input: every key with a default may be left out */
export type HarvesterConfig = z.input<typeof harvesterServiceSchema>;
/** the harvester's config with every default filled in */
export type ResolvedHarvesterConfig = z.output<typeof harvesterServiceSchema>;
