export { buildApp, type BuildAppOptions } from './app.js';
export type { ApiDeps, ModelEmbedders } from './api-deps.js';
export { apiErrorCodes, type ApiErrorCode } from './api-errors.js';
export {
  ApiKeyStore,
  ROLES,
  apiKeyErrorCodes,
  isLoopback,
  roleAllows,
  type ApiKeyInfo,
  type CreatedApiKey,
  type Identity,
  type Role,
} from './auth/index.js';
