import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../../../shared/config/index.js';
import { apiError, apiErrorCodes } from '../api-errors.js';
import type { ApiKeyStore } from './api-key-store.js';
import { isLoopback } from './loopback.js';
import { ANONYMOUS, roleAllows, type Identity } from './roles.js';

/**
 * Checks API keys on every route that declares `config: { role }` (an onRequest hook on the root instance, so
 * it runs for the routes of every plugin, the alert routes included):
 * - a key sent as `Authorization: Bearer <key>` or `x-api-key: <key>` must be valid (401 otherwise), and its
 *   role must include the route's (403 otherwise);
 * - without a key, a `read` route is open when api.openReads says so (`always`, or `loopback` for a request
 *   from this machine); every other role needs a key (401).
 * `identify` routes (whoami) take anyone and name the key when one is sent. Routes without a role (ops, docs,
 * the page) are not checked. The identity is on `request.identity`.
 */
export function installAuth(
  app: FastifyInstance,
  options: { keys: ApiKeyStore; openReads: ApiConfig['openReads'] },
): void {
  // null until the hook sets it: Fastify refuses a shared object as a request decoration's initial value
  app.decorateRequest('identity', null as unknown as Identity);
  app.addHook('onRequest', async (request) => {
    const need = request.routeOptions.config.role;
    request.identity = ANONYMOUS;
    if (need === undefined) return;
    const presented = presentedKey(request);
    if (presented !== undefined) {
      const key = options.keys.verify(presented);
      if (key === undefined) throw apiError(apiErrorCodes.unauthorized, 'the API key is unknown, malformed or revoked');
      request.identity = { role: key.role, keyId: key.id } satisfies Identity;
      if (need !== 'identify' && !roleAllows(key.role, need))
        throw apiError(
          apiErrorCodes.forbidden,
          `this needs a key with the ${need} role (or higher); the key ${key.id} has the ${key.role} role`,
        );
      return;
    }
    if (need === 'identify') return;
    if (need === 'read' && readsOpen(options.openReads, request)) return;
    throw apiError(
      apiErrorCodes.unauthorized,
      need === 'read'
        ? `an API key is needed to read from here (api.openReads is ${options.openReads}); send Authorization: Bearer <key>`
        : `an API key with the ${need} role is needed; send Authorization: Bearer <key>`,
    );
  });
}

function readsOpen(openReads: ApiConfig['openReads'], request: FastifyRequest): boolean {
  if (openReads === 'always') return true;
  if (openReads === 'never') return false;
  return isLoopback(request.socket.remoteAddress);
}

/** The key from `Authorization: Bearer <key>` or `x-api-key: <key>`; another Authorization scheme is a 401. */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.trim() !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw apiError(apiErrorCodes.unauthorized, 'the Authorization header must be "Bearer <key>"');
    return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}
