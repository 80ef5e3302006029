/** The codes of the API key store's errors. */
export const apiKeyErrorCodes = {
  /** the key file cannot be opened, read or written (retriable when SQLite is busy) */
  io: 'API_KEY_STORE_IO',
} as const;

export type ApiKeyErrorCode = (typeof apiKeyErrorCodes)[keyof typeof apiKeyErrorCodes];
