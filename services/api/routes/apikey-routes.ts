import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps.js';
import { apiError, apiErrorCodes } from '../api-errors.js';
import {
  apiKeyIdParamsSchema,
  apiKeysReplySchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
} from '../schemas/apikey-schemas.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/common-schemas.js';

const tags = ['apikeys'];
const config = { role: 'admin' } as const;

/** /v1/apikeys: list, create (the secret is in this answer only) and revoke API keys; admin only. */
export const apikeyRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async (instance, { deps }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { keys } = deps;
  app.get(
    '/v1/apikeys',
    {
      config,
      schema: {
        tags,
        summary: 'The API keys that are not revoked (never their secrets)',
        response: { 200: apiKeysReplySchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async () => ({
      keys: keys.list().map(({ id, name, role, createdAt, lastUsedAt }) => ({ id, name, role, createdAt, lastUsedAt })),
    }),
  );
  app.post(
    '/v1/apikeys',
    {
      config,
      schema: {
        tags,
        summary: 'Create a key; its secret is shown in this answer only',
        body: createApiKeyBodySchema,
        response: { 201: createdApiKeySchema, ...errorResponses(400, ...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      const created = keys.create(request.body.role, request.body.name ?? '');
      request.log.info({ keyId: created.id, role: created.role, by: request.identity.keyId }, 'API key created');
      reply.status(201);
      return { id: created.id, key: created.key, role: created.role };
    },
  );
  app.delete(
    '/v1/apikeys/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke a key (from the next request on)',
        params: apiKeyIdParamsSchema,
        response: { 204: z.null().describe('revoked'), ...errorResponses(404, ...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      if (!keys.revoke(request.params.id))
        throw apiError(apiErrorCodes.notFound, `no API key ${request.params.id} (or it is revoked already)`);
      request.log.info({ keyId: request.params.id, by: request.identity.keyId }, 'API key revoked');
      return reply.status(204).send(null);
    },
  );
};
