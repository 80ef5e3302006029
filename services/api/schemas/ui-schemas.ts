import { z } from 'zod';

export const uiConfigReplySchema = z.strictObject({
  gibsBaseUrl: z.string(),
  layers: z.array(z.string()).describe("the harvester's configured layers; the first is the default"),
  tileMatrixSet: z.string().describe('of the base map, e.g. 250m'),
  openReads: z.enum(['loopback', 'always', 'never']),
  version: z.string(),
});

export const whoamiReplySchema = z.strictObject({
  role: z.enum(['anonymous', 'read', 'write', 'admin']),
  keyId: z.string().nullable(),
});

export const healthReplySchema = z.strictObject({ status: z.literal('ok') });

export const readyReplySchema = z.strictObject({
  status: z.enum(['ok', 'unavailable']),
  checks: z.array(z.strictObject({ name: z.string(), ok: z.boolean() })),
});
