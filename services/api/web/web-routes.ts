import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ApiDeps } from '../api-deps.js';
import { buildWebAssets, type WebAsset, type WebAssets } from './build-assets.js';

export interface WebRoutesOptions {
  /** only the GIBS base URL is read (the page's images come from there) */
  deps: Pick<ApiDeps, 'config'>;
  /** the page's folder; default this one (tests point it at a broken copy) */
  webDir?: string;
}

/**
 * Serves the page at / and its bundled assets under /assets/. The bundle is built when the plugin registers,
 * so a page that does not build stops the API at start-up (logged, then thrown) instead of being served broken.
 * Answers carry a strong ETag and `Cache-Control: no-cache` (revalidate: a new build has new ETags).
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const { deps, webDir } = options ?? {};
  if (deps === undefined) throw new TypeError('webRoutes needs { deps } (the GIBS base URL goes into the page CSP)');
  let assets: WebAssets;
  try {
    assets = await buildWebAssets(webDir);
  } catch (error) {
    app.log.error({ err: error }, 'the web page failed to build; the API will not start');
    throw error;
  }
  const csp = contentSecurityPolicy(deps.config.gibs.baseUrl);
  const page = assets.get('/');

  const send = (reply: FastifyReply, file: WebAsset, ifNoneMatch: string | undefined): FastifyReply => {
    reply.header('etag', file.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === file.etag)) {
      return reply.code(304).send();
    }
    return reply.type(file.contentType).send(file.body);
  };

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    if (page === undefined) return reply.callNotFound();
    reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer');
    return send(reply, page, request.headers['if-none-match']);
  });
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const file = assets.get(`/assets/${request.params.name}`);
    if (file === undefined) return reply.callNotFound();
    return send(reply, file, request.headers['if-none-match']);
  });
};

/**
 * Scripts, styles and API calls from this server only; images also from the configured GIBS server (the map's
 * tiles), `blob:` (previews of images picked for upload) and `data:` (OpenLayers' and the favicon's inline images).
 */
export function contentSecurityPolicy(gibsBaseUrl: string): string {
  const gibs = new URL(gibsBaseUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${gibs}`,
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
