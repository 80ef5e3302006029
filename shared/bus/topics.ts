import { z } from 'zod';
import { isoDateSchema as isoDate } from '../gibs/index.js';
import { tilePayloadSchema } from '../store/tile-payload.js';

/**
 * Every topic on the bus and the versioned schema of its messages. Producers validate before sending and
 * consumers parse before use; a message that fails parsing goes to `tiles.dlq` with the reason.
 */
const bbox = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const tileFetchedV1 = z.object({
  v: z.literal(1),
  id: z.string().uuid(),
  layer: z.string().min(1),
  date: isoDate,
  tms: z.string().min(1),
  z: z.number().int().min(0),
  row: z.number().int().min(0),
  col: z.number().int().min(0),
  bbox,
  blob_key: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  content_type: z.string(),
  fetched_at: z.string().datetime(),
});

/**
 * A tile's vector was stored, for the alerter: produced by embedders for new imagery only (a re-embed into a
 * new model's collection produces nothing). The alerter is idempotent by (id, model).
 */
export const tileEmbeddedV1 = z.object({
  v: z.literal(1),
  id: z.string().uuid(),
  model: z.string().min(1),
  /** the stored unit vector */
  vector: z.array(z.number().finite()).min(1),
  payload: tilePayloadSchema,
  embedded_at: z.string().datetime(),
});

/** The model registry's `latest` moved: every embedder switches to `id` between batches; re-embedding starts. */
export const modelPromotedV1 = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  previous: z.string().min(1).nullable(),
  promoted_at: z.string().datetime(),
  /** the gate metrics that promoted it (empty for a manual promotion or rollback) */
  metrics: z.record(z.string(), z.number()),
  reason: z.enum(['gate', 'manual', 'rollback', 'initial']),
});

/**
 * A new tile matched an alert rule (produced by the alerter once per rule and tile; the alert history holds
 * the same record). Webhooks, the API's live stream and any other consumer read these.
 */
export const alertRaisedV1 = z.object({
  v: z.literal(1),
  /** the alert's id in the alert history */
  id: z.string().min(1),
  rule_id: z.string().min(1),
  tile_id: z.string().uuid(),
  model: z.string().min(1),
  /** cosine similarity of the tile to the rule's closest reference */
  score: z.number().finite(),
  payload: tilePayloadSchema,
  alerted_at: z.string().datetime(),
});

export const dlqRecordV1 = z.object({
  v: z.literal(1),
  source_topic: z.string(),
  source_partition: z.number().int(),
  source_offset: z.string(),
  key: z.string().nullable(),
  /** the original value, verbatim (base64 when it was not UTF-8 text) */
  value: z.string(),
  code: z.string(),
  reason: z.string(),
  failed_at: z.string().datetime(),
});

export const topics = {
  'tiles.fetched': tileFetchedV1,
  'tiles.embedded': tileEmbeddedV1,
  'tiles.dlq': dlqRecordV1,
  models: modelPromotedV1,
  alerts: alertRaisedV1,
} as const;

export type TopicName = keyof typeof topics;
export type TopicPayload<T extends TopicName> = z.infer<(typeof topics)[T]>;
