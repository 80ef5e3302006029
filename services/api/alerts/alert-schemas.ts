import { z } from 'zod';
import {
  MAX_COOLDOWN_SECONDS,
  MAX_PAGE,
  MAX_REFERENCES,
  MAX_RULE_NAME_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
  validateRuleFilter,
} from '../../../shared/alerts/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { tilePayloadSchema } from '../../../shared/store/index.js';
import { tileIdSchema } from '../schemas/common-schemas.js';

/**
 * The /v1/alerts/* routes' inputs and outputs (api-contract.md "Alerts"), one declaration each: Fastify validates
 * and serialises with them and the OpenAPI document is generated from them. Inputs are strict (an unknown field
 * is a 400 naming it); the service turns them into the alert store's types.
 */

/** An alert id / history cursor: the history's sequence number as a decimal string (the store's form). */
export const ALERT_ID_PATTERN = /^(0|[1-9]\d{0,15})$/;
const alertId = z
  .string()
  .regex(ALERT_ID_PATTERN, 'must be an alert id (a decimal sequence number)')
  .describe('an alert id: the history sequence number, as a decimal string');

const DEFAULT_COOLDOWN_SECONDS = 3600;
const DEFAULT_ALERTS_PAGE = 100;
/** base64 of the largest reference image the store keeps (16 MiB), rounded up; the body limit applies first */
const MAX_BASE64_CHARS = 22_400_000;
const MAX_LABEL = 500;

// zod 4 numbers refuse NaN and ±Infinity
const finite = z.number();

export const ruleFilterSchema = z
  .strictObject({
    bbox: z
      .tuple([finite, finite, finite, finite])
      .optional()
      .describe('[minLon, minLat, maxLon, maxLat]; minLon > maxLon crosses the antimeridian'),
    near: z
      .strictObject({
        lon: finite.min(-180).max(180),
        lat: finite.min(-90).max(90),
        radiusKm: finite.positive(),
      })
      .optional()
      .describe('tiles whose centre lies within radiusKm of the point'),
    layers: z.array(z.string().min(1)).min(1).max(1000).optional(),
    levels: z.array(z.number().int().min(0)).min(1).max(1000).optional(),
  })
  .superRefine((filter, ctx) => {
    // the store's own rule (bbox inside the world, minLat < maxLat, ...) so the API and the store agree
    try {
      validateRuleFilter(filter);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe('what part of the world and which layers the rule watches (every field optional)');

export const referenceInputSchema = z.union([
  z.strictObject({ tileId: tileIdSchema.describe('a stored tile (point id) of the serving collection') }),
  z.strictObject({
    image: z.string().min(1).max(MAX_BASE64_CHARS).describe('a JPEG or PNG image, base64'),
    name: z.string().min(1).max(MAX_LABEL).optional().describe('a label for people (e.g. the file name)'),
  }),
]);

export type ReferenceInput = z.infer<typeof referenceInputSchema>;

const ruleName = z
  .string()
  .max(MAX_RULE_NAME_LENGTH)
  .refine((name) => name.trim().length > 0, 'must not be empty');
const threshold = finite.min(-1).max(1).describe('cosine similarity at which a tile alerts');
const cooldownSeconds = z.number().int().min(0).max(MAX_COOLDOWN_SECONDS);
const webhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(MAX_WEBHOOK_URL_LENGTH)
  .describe('where matches are POSTed (signed); hosts on loopback/private networks are refused');
const references = z.array(referenceInputSchema).min(1).max(MAX_REFERENCES);

export const createRuleBodySchema = z.strictObject({
  name: ruleName,
  references,
  threshold,
  filter: ruleFilterSchema.nullable().optional(),
  cooldownSeconds: cooldownSeconds.default(DEFAULT_COOLDOWN_SECONDS),
  webhookUrl: webhookUrl.optional(),
  enabled: z.boolean().default(true),
});

export type CreateRuleBody = z.output<typeof createRuleBodySchema>;

export const patchRuleBodySchema = z
  .strictObject({
    name: ruleName.optional(),
    references: references.optional(),
    threshold: threshold.optional(),
    filter: ruleFilterSchema.nullable().optional().describe('null: watch everything'),
    cooldownSeconds: cooldownSeconds.optional(),
    webhookUrl: webhookUrl.nullable().optional().describe('null: no webhook'),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'needs at least one field to change');

export type PatchRuleBody = z.output<typeof patchRuleBodySchema>;

export const ruleIdParamsSchema = z.strictObject({ id: z.uuid() });
export const alertIdParamsSchema = z.strictObject({ id: alertId });

export const listAlertsQuerySchema = z.strictObject({
  ruleId: z.uuid().optional(),
  after: alertId.optional().describe('only alerts after this one (the previous page’s `next`)'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_ALERTS_PAGE),
});

export const streamQuerySchema = z.strictObject({
  after: alertId
    .optional()
    .describe('resume after this alert (the Last-Event-ID header wins); absent: only alerts from now on'),
});

/** What a reconnecting EventSource sends: the id of the last event it got (empty: none yet). */
export const streamHeadersSchema = z.looseObject({
  'last-event-id': z.union([alertId, z.literal('')]).optional(),
});

const ruleReferenceSchema = z.object({
  kind: z.enum(['tile', 'image']),
  tileId: z.string().optional(),
  label: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
});

const ruleFilterOutSchema = z.object({
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  near: z.object({ lon: z.number(), lat: z.number(), radiusKm: z.number() }).optional(),
  layers: z.array(z.string()).optional(),
  levels: z.array(z.number().int()).optional(),
});

export const ruleSchema = z.object({
  id: z.string(),
  name: z.string(),
  references: z.array(ruleReferenceSchema),
  threshold: z.number(),
  filter: ruleFilterOutSchema.nullable(),
  cooldownSeconds: z.number().int(),
  webhookUrl: z.string().nullable(),
  enabled: z.boolean(),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const rulesReplySchema = z.object({ rules: z.array(ruleSchema) });
export const ruleReplySchema = z.object({ rule: ruleSchema });
export const createRuleReplySchema = z.object({
  rule: ruleSchema,
  webhookSecret: z.string().describe('signs the webhook deliveries (HMAC-SHA256); shown only here'),
});

export const alertSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  tileId: z.string(),
  sha256: z.string(),
  model: z.string(),
  score: z.number(),
  payload: tilePayloadSchema,
  alertedAt: z.string(),
  thumbnailUrl: z.string(),
  worldviewUrl: z.string(),
});

export type AlertJson = z.infer<typeof alertSchema>;

export const alertsReplySchema = z.object({
  alerts: z.array(alertSchema).describe('oldest first'),
  next: z.string().nullable().describe('pass as `after` for the next page; null on the last page'),
});

const deliverySchema = z.object({
  id: z.string(),
  alertId: z.string(),
  ruleId: z.string(),
  url: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.array(
    z.object({
      at: z.string(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number(),
    }),
  ),
  nextAttemptAt: z.string().nullable(),
});

export const deliveriesReplySchema = z.object({ deliveries: z.array(deliverySchema) });
