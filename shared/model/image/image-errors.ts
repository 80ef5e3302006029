/**
 * The codes of the errors shared/model/image throws, written once. Undecodable bytes carry the shared
 * `errorCodes.undecodable`.
 */
export const imageErrorCodes = {
  /** an image folder cannot be listed; retriable when the errno may clear up */
  dirUnreadable: 'IMAGE_DIR_UNREADABLE',
} as const;

export type ImageErrorCode = (typeof imageErrorCodes)[keyof typeof imageErrorCodes];
