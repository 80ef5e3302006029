export { ApiKeyStore, type ApiKeyInfo, type CreatedApiKey } from './api-key-store.js';
export { apiKeyErrorCodes, type ApiKeyErrorCode } from './api-key-errors.js';
export { installAuth } from './auth-hook.js';
export { isLoopback } from './loopback.js';
export { ROLES, ANONYMOUS, roleAllows, type Role, type Identity } from './roles.js';
