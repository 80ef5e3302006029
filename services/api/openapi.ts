import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The two ways to send a key (api-contract.md "Auth"); routes with a role list both. */
const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer gek_…' },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'x-api-key: gek_…' },
} as const;

/**
 * OpenAPI 3 generated from the routes' zod schemas (fastify-type-provider-zod), served at /openapi.json, and the
 * Swagger UI (assets from npm, nothing fetched from elsewhere) at /docs. Register before the routes: the
 * document is collected as they are added.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'gibs-embed',
        description:
          'Similarity search over an embedding index of NASA GIBS imagery, its tiles, statistics and alert rules. ' +
          'Reads are open without a key where api.openReads allows; writes need a key with the write role.',
        version,
      },
      components: { securitySchemes },
    },
    transform: (document) => {
      const transformed = jsonSchemaTransform(document);
      const role = document.route.config?.role;
      // a route with a role takes a key; `identify` (whoami) too, optionally
      if (role !== undefined && !transformed.schema.hide) {
        const suffix = role === 'identify' ? '' : ` Needs the ${role} role.`;
        transformed.schema = {
          ...transformed.schema,
          security: [{ bearer: [] }, { apiKey: [] }, ...(role === 'read' || role === 'identify' ? [{}] : [])],
          description: `${(transformed.schema.description as string | undefined) ?? ''}${suffix}`.trim(),
        };
      }
      return transformed;
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
}
