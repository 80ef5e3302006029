import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
  QdrantClientUnexpectedResponseError,
} from '@qdrant/js-client-rest';
import { AppError, ValidationError, describeError } from '../../errors/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';

/** What a failed call was doing; `collection` set when the call addressed one (a 404 then means it is unknown). */
export interface QdrantCallContext {
  operation: string;
  collection?: string;
}

/** Qdrant answers errors as `{ status: { error: "..." } }`; the text only goes into our message, never into a decision. */
function serverMessage(data: unknown): string {
  if (typeof data === 'object' && data !== null && 'status' in data) {
    const status = (data as { status: unknown }).status;
    if (typeof status === 'object' && status !== null && 'error' in status) return String(status.error);
  }
  return typeof data === 'string' ? data.slice(0, 200) : JSON.stringify(data ?? null).slice(0, 200);
}

/**
 * An HTTP error answer. The client's fetcher throws its `ApiError` (status, data, headers) for every non-2xx
 * answer; that class lives in a package we do not depend on directly, so it is recognised by shape.
 */
interface HttpErrorAnswer extends Error {
  status: number;
  data?: unknown;
}

function isHttpErrorAnswer(error: unknown): error is HttpErrorAnswer {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

/** The fetch failures undici reports for an unreachable server carry a system or undici error code on `cause`. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause === 'object' && cause !== null && typeof cause.code === 'string';
}

function fromStatus(error: HttpErrorAnswer, context: QdrantCallContext): AppError {
  const { status } = error;
  const what = `${context.operation}: Qdrant answered ${status} (${serverMessage(error.data)})`;
  if (status === 404 && context.collection !== undefined) {
    return storeError(
      storeErrorCodes.unknownCollection,
      `${context.operation}: no collection or alias '${context.collection}'`,
      {
        cause: error,
      },
    );
  }
  // 400 is Qdrant's "Wrong input" (bad vector size, bad filter), 409 and 422 the same kind: the call is wrong
  if (status === 400 || status === 409 || status === 422) return new ValidationError(what, { cause: error });
  // 507 Insufficient Storage: disk full may clear up
  if (status === 507) return storeError(storeErrorCodes.io, what, { retriable: true, cause: error });
  // timeouts, overload and server faults may all pass: a restarted or less busy server answers the same call
  if (status === 408 || status === 429 || status >= 500) {
    return storeError(storeErrorCodes.unavailable, what, { retriable: true, cause: error });
  }
  // 401/403 (a wrong api key) and anything else: asking again gives the same answer
  return storeError(storeErrorCodes.unavailable, what, { retriable: false, cause: error });
}

/**
 * Translates whatever the Qdrant client threw into an AppError with the original as `cause`: unreachable,
 * timed out, overloaded or 5xx → STORE_UNAVAILABLE retriable; 404 on a collection → STORE_UNKNOWN_COLLECTION;
 * 400 → ValidationError; an answer of the wrong shape → STORE_CORRUPT. AppErrors pass through unchanged.
 */
export function mapQdrantError(error: unknown, context: QdrantCallContext): AppError {
  if (error instanceof AppError) return error;
  if (isHttpErrorAnswer(error)) return fromStatus(error, context);
  if (error instanceof QdrantClientTimeoutError || error instanceof QdrantClientResourceExhaustedError) {
    return storeError(storeErrorCodes.unavailable, `${context.operation}: ${error.message}`, {
      retriable: true,
      cause: error,
    });
  }
  if (isNetworkFailure(error)) {
    const code = String((error as TypeError & { cause: { code: string } }).cause.code);
    return storeError(storeErrorCodes.unavailable, `${context.operation}: Qdrant unreachable (${code})`, {
      retriable: true,
      cause: error,
    });
  }
  if (error instanceof QdrantClientUnexpectedResponseError) {
    return storeError(storeErrorCodes.corrupt, `${context.operation}: ${error.message}`, { cause: error });
  }
  return storeError(storeErrorCodes.corrupt, `${context.operation}: unexpected failure: ${describeError(error)}`, {
    cause: error,
  });
}

/** Awaits a Qdrant client call, translating its failure. */
export async function qdrantOp<T>(context: QdrantCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapQdrantError(error, context);
  }
}
