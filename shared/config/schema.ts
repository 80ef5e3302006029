import { z } from 'zod';
import { alerterSchema } from './alerter-schema.js';
import { apiSchema } from './api-schema.js';
import { blobSchema } from './blob-schema.js';
import { busSchema } from './bus-schema.js';
import { embedderSchema } from './embedder-schema.js';
import { gibsSchema } from './gibs-schema.js';
import { harvesterSchema } from './harvester-schema.js';
import { logSchema } from './log-schema.js';
import { modelSchema } from './model-schema.js';
import { opsSchema } from './ops-schema.js';
import { storeSchema } from './store-schema.js';
import { trainerSchema } from './trainer-schema.js';

/**
 * The slices of the services `gibs-embed start` can run, by name: each has an `enabled` flag (`start`
 * runs the enabled ones, `--only` picks by these names). An embedder, trainer, alerter or api slice goes
 * here, and `start` must then be given a way to open it (its table is typed from this one).
 */
export const serviceSchemas = {
  harvester: harvesterSchema,
  embedder: embedderSchema,
  trainer: trainerSchema,
  alerter: alerterSchema,
  api: apiSchema,
} satisfies Record<string, z.ZodType<{ enabled: boolean }>>;

export type ServiceName = keyof typeof serviceSchemas;
export const serviceNames = Object.keys(serviceSchemas) as ServiceName[];

/**
 * The one description of gibs-embed's configuration: every key, its type, its default and what is allowed,
 * one slice per concern (each in its own file). Every object is strict: a key nobody reads is an error,
 * not a silent no-op. `loadConfig` fills it from a config file, the environment and flags; units receive
 * their typed slice. Paths left empty are derived from `dataDir` after parsing (resolvePaths in load-config.ts).
 */
export const configSchema = z.strictObject({
  /** everything the embedded defaults write lives under here */
  dataDir: z.string().min(1).default('./data'),
  log: logSchema,
  ops: opsSchema,
  bus: busSchema,
  blobs: blobSchema,
  store: storeSchema,
  gibs: gibsSchema,
  model: modelSchema,
  ...serviceSchemas,
});

export type Config = z.output<typeof configSchema>;
