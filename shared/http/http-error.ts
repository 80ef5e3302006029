import { AppError } from '../errors/index.js';

/**
 * The codes of the HttpErrors built here, written once. A status without a code of its own becomes
 * `HTTP_<status>` (e.g. HTTP_403). The GIBS client adds its own (`gibsClientErrorCodes` in services/harvester/http).
 */
export const httpErrorCodes = {
  /** 404 from GIBS: no such date for this layer (the harvest plan throws it too, for a date outside the range) */
  dateOutOfRange: 'DATE_OUT_OF_RANGE',
  /** 400: bad time, layer or tile */
  badRequest: 'BAD_REQUEST',
  /** 429 (retriable; Retry-After honoured) */
  rateLimited: 'RATE_LIMITED',
  /** 408, 500, 502, 503, 504 (retriable) */
  upstreamUnavailable: 'UPSTREAM_UNAVAILABLE',
  /** no response: reset, refused, DNS (retriable) */
  network: 'NETWORK',
  /** no response, for a reason a fresh attempt will not fix (an unknown or absent error code) */
  networkFatal: 'NETWORK_FATAL',
} as const;

export type HttpErrorCode = (typeof httpErrorCodes)[keyof typeof httpErrorCodes];

/**
 * A failed HTTP exchange. `status` is 0 when no response arrived (reset, timeout, refused). `retryAfterMs`
 * carries the server's Retry-After so the retry helper can wait at least that long.
 */
export class HttpError extends AppError {
  readonly status: number;
  readonly url: string;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { retriable: boolean; status: number; url: string; retryAfterMs?: number; cause?: unknown },
  ) {
    super(code, message, { retriable: options.retriable, cause: options.cause });
    this.status = options.status;
    this.url = options.url;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** For `withRetry`'s `retryAfterMs` option. */
export function retryAfterOf(error: AppError): number | undefined {
  return error instanceof HttpError ? error.retryAfterMs : undefined;
}

/**
 * GIBS semantics of a non-200/304 status: 404 = date outside the layer's range, 400 = bad TIME, tile out
 * of range or unknown layer; neither will change on retry. 429 and the gateway-ish 5xx will.
 */
export function errorForStatus(
  status: number,
  url: string,
  detail: string,
  retryAfterMs: number | undefined,
): HttpError {
  const base = { status, url, retryAfterMs };
  const suffix = detail ? `: ${detail}` : '';
  if (status === 404)
    return new HttpError(
      httpErrorCodes.dateOutOfRange,
      `GIBS answered 404 (no such date for this layer) for ${url}${suffix}`,
      {
        ...base,
        retriable: false,
      },
    );
  if (status === 400)
    return new HttpError(httpErrorCodes.badRequest, `GIBS answered 400 (bad time, layer or tile) for ${url}${suffix}`, {
      ...base,
      retriable: false,
    });
  if (status === 429)
    return new HttpError(httpErrorCodes.rateLimited, `GIBS answered 429 (rate limited) for ${url}`, {
      ...base,
      retriable: true,
    });
  if (status === 408 || status === 500 || status === 502 || status === 503 || status === 504) {
    return new HttpError(httpErrorCodes.upstreamUnavailable, `GIBS answered ${status} for ${url}`, {
      ...base,
      retriable: true,
    });
  }
  return new HttpError(`HTTP_${status}`, `GIBS answered unexpected status ${status} for ${url}${suffix}`, {
    ...base,
    retriable: false,
  });
}

// Connection-level failures that a fresh attempt on a fresh socket may well survive.
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_BAD_RESPONSE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** A transport error (no status) as an HttpError; unknown codes are not retried (a bug should surface). */
export function errorForNetwork(error: unknown, url: string): HttpError {
  const code = networkCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const retriable = code !== undefined && TRANSIENT_NETWORK.has(code);
  return new HttpError(
    retriable ? httpErrorCodes.network : httpErrorCodes.networkFatal,
    `request to ${url} failed: ${code ?? 'no code'}: ${message}`,
    { retriable, status: 0, url, cause: error },
  );
}

function networkCode(error: unknown): string | undefined {
  // axios wraps the socket error; its own code (e.g. ERR_BAD_RESPONSE) is less telling than the cause's.
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ('code' in current && typeof current.code === 'string') codes.push(current.code);
    current = 'cause' in current ? current.cause : undefined;
  }
  return codes.find((c) => c.startsWith('E') && !c.startsWith('ERR_')) ?? codes[0];
}
