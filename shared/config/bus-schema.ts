import { z } from 'zod';
import { impliedKind } from './implied-kind.js';

const sqliteBus = z.strictObject({
  kind: z.literal('sqlite'),
  /** '' = DATA_DIR/bus.db (resolved by loadConfig) */
  path: z.string().default(''),
  partitions: z.number().int().min(1).max(256).default(4),
  retentionHours: z
    .number()
    .positive()
    .default(24 * 7),
  retentionMegabytes: z.number().positive().default(1024),
});

const kafkaBus = z.strictObject({
  kind: z.literal('kafka'),
  brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1),
  clientId: z.string().default('gibs-embed'),
  partitions: z.number().int().min(1).max(256).default(12),
  replicationFactor: z.number().int().min(1).default(3),
  ssl: z.boolean().default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
});

/**
 * `bus`: the embedded SQLite log or Kafka. Without an explicit `kind` (BUS_KIND), naming brokers
 * (KAFKA_BROKERS) selects Kafka and anything else (BUS_PATH, BUS_PARTITIONS, nothing) the embedded bus.
 */
export const busSchema = impliedKind(
  (written) => ('brokers' in written ? 'kafka' : 'sqlite'),
  z.discriminatedUnion('kind', [sqliteBus, kafkaBus]),
);

export type BusConfig = z.output<typeof busSchema>;
