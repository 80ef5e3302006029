export { AppError, ValidationError, RetriesExhaustedError, AbortedError, isRetriable, describeError } from './app-error.js';
