import { AppError } from '../errors/index.js';

/**
 * The codes bus adapters put on their `AppError`s. Callers branch on these (and on `retriable`), never on
 * message text. Bad arguments are plain `ValidationError`s (code VALIDATION).
 */
export const busErrorCodes = {
  /** the topic does not exist (ensureTopics first) */
  unknownTopic: 'BUS_UNKNOWN_TOPIC',
  /** ensureTopics found the topic with another partition count */
  topicMismatch: 'BUS_TOPIC_MISMATCH',
  /** commit/seek on a partition this member does not own (any more): drop that work, the owner redoes it */
  notAssigned: 'BUS_NOT_ASSIGNED',
  /** another live consumer took over this member id */
  fenced: 'BUS_FENCED',
  /** the bus or consumer was closed */
  closed: 'BUS_CLOSED',
  /** a call the object's state forbids (a second concurrent poll, use before open) */
  invalidState: 'BUS_INVALID_STATE',
  /** the SQLite log failed (busy, disk full, I/O); retriable unless the file is corrupt or read-only */
  storage: 'BUS_STORAGE',
  /** kafkajs failed; `retriable` comes from the kafkajs error */
  kafka: 'BUS_KAFKA',
} as const;

export type BusErrorCode = (typeof busErrorCodes)[keyof typeof busErrorCodes];

export function busError(
  code: BusErrorCode,
  message: string,
  options: { retriable?: boolean; cause?: unknown } = {},
): AppError {
  return new AppError(code, message, { retriable: options.retriable ?? false, cause: options.cause });
}
