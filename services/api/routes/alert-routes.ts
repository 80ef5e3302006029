import type { FastifyPluginAsync } from 'fastify';
import type { ApiDeps } from '../api-deps.js';

/** PLACEHOLDER (being built): alert rules CRUD, history, live stream and delivery log under /v1/alerts. */
export const alertRoutes: FastifyPluginAsync<{ deps: ApiDeps }> = async () => {};
