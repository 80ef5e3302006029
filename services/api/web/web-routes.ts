import type { FastifyPluginAsync } from 'fastify';

/** PLACEHOLDER (being built by the web page work): serves the page at / and its bundled assets. */
export const webRoutes: FastifyPluginAsync = async () => {};
