export {
  AppError,
  ValidationError,
  ConfigError,
  RetriesExhaustedError,
  AbortedError,
  describeError,
} from './app-error.js';
export { errorCodes } from './error-codes.js';
export type { ErrorCode } from './error-codes.js';
