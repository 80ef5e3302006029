import { z } from 'zod';

/**
 * The one description of gibs-embed's configuration: every key, its type, its default and what is allowed.
 * `loadConfig` fills it from a config file and the environment; units receive their typed slice.
 * Paths left empty are derived from `dataDir` after parsing (see resolvePaths in load-config.ts).
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const bbox = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .refine(([, minLat, , maxLat]) => minLat < maxLat, 'expected minLat < maxLat (minLon > maxLon crosses the antimeridian)');

const harvestJob = z.object({
  layer: z.string().min(1),
  tms: z.string().min(1).optional(),
  levels: z.array(z.number().int().min(0).max(12)).min(1),
  bbox: bbox.optional(),
});

const sqliteBus = z.object({
  kind: z.literal('sqlite'),
  path: z.string().default(''),
  partitions: z.number().int().min(1).max(256).default(4),
  retentionHours: z.number().positive().default(24 * 7),
  retentionMegabytes: z.number().positive().default(1024),
});

const kafkaBus = z.object({
  kind: z.literal('kafka'),
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
  clientId: z.string().default('gibs-embed'),
  partitions: z.number().int().min(1).max(256).default(12),
  replicationFactor: z.number().int().min(1).default(3),
  ssl: z.boolean().default(false),
  sasl: z
    .object({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
});

export const configSchema = z.object({
  /** everything the embedded defaults write lives under here */
  dataDir: z.string().min(1).default('./data'),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** undefined = pretty when stderr is a TTY */
      pretty: z.boolean().optional(),
    })
    .prefault({}),
  ops: z
    .object({
      host: z.string().default('127.0.0.1'),
      /** /metrics, /healthz, /readyz; 0 picks a free port */
      port: z.number().int().min(0).max(65535).default(9464),
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  bus: z.discriminatedUnion('kind', [sqliteBus, kafkaBus]).prefault({ kind: 'sqlite' }),
  blobs: z.object({ kind: z.literal('fs'), root: z.string().default('') }).prefault({ kind: 'fs' }),
  gibs: z
    .object({
      baseUrl: z.string().url().default('https://gibs.earthdata.nasa.gov'),
      userAgent: z.string().min(1).default('gibs-embed/0.1 (set GIBS_USER_AGENT to name your operations contact)'),
      /** GIBS etiquette: a handful of connections; far below the 500 that gets a client blocked */
      concurrency: z.number().int().min(1).max(32).default(8),
      timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
      maxMbps: z.number().positive().max(50).default(50),
      retries: z.number().int().min(0).max(20).default(6),
      retryInitialMs: z.number().int().min(1).default(500),
      retryMaxMs: z.number().int().min(1).default(60_000),
    })
    .prefault({}),
  harvester: z
    .object({
      enabled: z.boolean().default(true),
      /** node-cron expression (minute hour day month weekday), evaluated in `timezone` */
      schedule: z.string().min(1).default('0 6 * * *'),
      timezone: z.string().default('UTC'),
      /** GIBS publishes late: the scheduled run harvests today minus this many days */
      lagDays: z.number().int().min(0).max(60).default(1),
      /** a scheduled run also fetches what the ledger lacks of this many days before (missed ticks, outages) */
      catchUpDays: z.number().int().min(0).max(60).default(3),
      runOnStart: z.boolean().default(false),
      jobs: z.array(harvestJob).default([{ layer: 'MODIS_Terra_CorrectedReflectance_TrueColor', levels: [2] }]),
    })
    .prefault({}),
  model: z
    .object({
      inputSize: z.number().int().min(16).max(512).default(128),
      registryDir: z.string().default(''),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type BusConfig = Config['bus'];
export type GibsConfig = Config['gibs'];
export type HarvesterSettings = Config['harvester'];
export type HarvestJobConfig = z.infer<typeof harvestJob>;
export { isoDate as isoDateSchema, bbox as bboxSchema };
