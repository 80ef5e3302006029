import { z } from 'zod';
import { ROLES } from '../auth/index.js';

export const apiKeySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('updated at most once a minute'),
});

export const apiKeysReplySchema = z.strictObject({ keys: z.array(apiKeySchema) });

export const createApiKeyBodySchema = z.strictObject({
  role: z.enum(ROLES),
  name: z.string().max(200).optional(),
});

export const createdApiKeySchema = z.strictObject({
  id: z.string(),
  key: z.string().describe('the secret: shown this once, never stored in the clear'),
  role: z.enum(ROLES),
});

export const apiKeyIdParamsSchema = z.strictObject({ id: z.string().min(1).max(100) });
