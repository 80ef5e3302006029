import kafkajs from 'kafkajs';
import { AppError, describeError } from '../errors/index.js';
import { busErrorCodes } from './bus-errors.js';

const { KafkaJSError } = kafkajs;

/** protocol error types meaning "this member's generation is gone": its commits are refused */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);
const UNKNOWN_TOPIC_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);

function rootCause(error: unknown): unknown {
  let current = error;
  for (
    let depth = 0;
    depth < 10 && current instanceof Error && current.cause !== undefined && current.cause !== current;
    depth++
  ) {
    current = current.cause;
  }
  return current;
}

/**
 * Translates whatever kafkajs threw into an AppError that keeps the kafkajs error as `cause`. The
 * `retriable` flag is kafkajs' own, except that "retries exhausted" (which kafkajs marks non-retriable to
 * stop its own retrier) is retriable when the error underneath was: the broker may well come back.
 */
export function mapKafkaError(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof KafkaJSError) {
    const type = (error as { type?: unknown }).type;
    if (typeof type === 'string' && REBALANCE_TYPES.has(type)) {
      return new AppError(
        busErrorCodes.notAssigned,
        `${operation}: the group rebalanced (${type}); records of lost partitions go to their new owner`,
        {
          retriable: false,
          cause: error,
        },
      );
    }
    if (typeof type === 'string' && UNKNOWN_TOPIC_TYPES.has(type) && !error.retriable) {
      return new AppError(busErrorCodes.unknownTopic, `${operation}: ${error.message}`, {
        retriable: false,
        cause: error,
      });
    }
    const root = rootCause(error);
    const retriable =
      error.retriable ||
      (error.name === 'KafkaJSNumberOfRetriesExceeded' && root instanceof KafkaJSError && root.retriable);
    return new AppError(busErrorCodes.kafka, `${operation}: ${error.message}`, { retriable, cause: error });
  }
  return new AppError(busErrorCodes.kafka, `${operation}: ${describeError(error)}`, { retriable: false, cause: error });
}

/** awaits a kafkajs call, translating its failure */
export async function kafkaOp<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapKafkaError(error, operation);
  }
}
