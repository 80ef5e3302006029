import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, ValidationError, errorCodes } from '../../shared/errors/index.js';
import { registryErrorCodes } from '../../shared/model/registry/index.js';
import { queryErrorCodes } from '../../shared/query/index.js';
import { storeErrorCodes } from '../../shared/store/index.js';
import { tilesErrorCodes } from '../../shared/tiles/index.js';
import { alertApiErrorCodes } from './alerts/index.js';
import { apiErrorCodes, fastifyErrorCodes } from './api-errors.js';

/** Every 4xx/5xx body (api-contract.md): the status, a code to branch on, its reason phrase and what is wrong. */
export const errorBodySchema = z
  .strictObject({
    statusCode: z.number().int(),
    code: z.string(),
    error: z.string(),
    message: z.string(),
  })
  .describe('an error: the code to branch on, the message for people');

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Seconds a client should wait before retrying a 503 (a store restarting, a disk busy). */
const RETRY_AFTER_UNAVAILABLE_S = 5;

/**
 * The one table from error codes to HTTP statuses. A code not listed: any ValidationError is 400, any other
 * retriable AppError 503 (the dependency may come back), anything else 500 (a bug, logged).
 */
const statusByCode: ReadonlyMap<string, number> = new Map([
  [errorCodes.validation, 400],
  [errorCodes.undecodable, 400],
  [tilesErrorCodes.badBbox, 400],
  [apiErrorCodes.badRequest, 400],
  [apiErrorCodes.unauthorized, 401],
  [apiErrorCodes.forbidden, 403],
  [apiErrorCodes.notFound, 404],
  [queryErrorCodes.tileNotFound, 404],
  [alertApiErrorCodes.ruleNotFound, 404],
  [alertApiErrorCodes.alertNotFound, 404],
  [alertApiErrorCodes.tileNotFound, 404],
  [apiErrorCodes.methodNotAllowed, 405],
  [queryErrorCodes.indexEmpty, 409],
  [alertApiErrorCodes.indexEmpty, 409],
  [apiErrorCodes.payloadTooLarge, 413],
  [apiErrorCodes.unsupportedMediaType, 415],
  [apiErrorCodes.rateLimited, 429],
  [alertApiErrorCodes.ambiguousModel, 500],
  [storeErrorCodes.corrupt, 500],
  [apiErrorCodes.internal, 500],
  [apiErrorCodes.unavailable, 503],
  [storeErrorCodes.unavailable, 503],
  [storeErrorCodes.io, 503],
  [storeErrorCodes.closed, 503],
  // the serving collection's model is not in this process's registry: the deployment's fault, not the client's
  [registryErrorCodes.checkpointNotFound, 503],
]);

/** A status and body for any error; `internal` tells the handler to log it as a bug. */
export function describeHttpError(error: unknown): { body: ErrorBody; internal: boolean } {
  if (error instanceof AppError) {
    const status =
      statusByCode.get(error.code) ?? (error instanceof ValidationError ? 400 : error.retriable ? 503 : 500);
    return { body: body(status, error.code, error.message), internal: status === 500 };
  }
  const fastify = error as Partial<FastifyError> | undefined;
  if (fastify?.validation && fastify.validation.length > 0) {
    const message = describeIssues(
      fastify.validationContext ?? 'request',
      fastify.validation.map((issue) => ({ path: issue.instancePath, message: issue.message ?? 'is invalid' })),
    );
    return { body: body(400, errorCodes.validation, message), internal: false };
  }
  const status = fastify?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { body: body(status, clientCode(status), clientMessage(fastify ?? {})), internal: false };
  }
  return { body: body(500, apiErrorCodes.internal, 'internal error'), internal: true };
}

/**
 * The root error handler: the contract's error body from one table; Retry-After on 503, WWW-Authenticate on 401.
 * A 500 is logged with the request's logger (and its message hidden: it may hold internals).
 */
export function handleHttpError(error: unknown, request: FastifyRequest, reply: FastifyReply): ErrorBody {
  const { body: out, internal } = describeHttpError(error);
  if (internal) {
    request.log.error({ err: error }, 'unexpected error answering the request');
    out.message = `internal error (request ${request.id}); the server log has the details`;
  } else if (out.statusCode >= 500) {
    request.log.warn({ err: error }, 'dependency unavailable');
  }
  if (out.statusCode === 503) reply.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
  if (out.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="gibs-embed"');
  reply.status(out.statusCode).type('application/json; charset=utf-8');
  return out;
}

/** 404 for a path (or method) no route serves, in the contract's shape. */
export function notFoundBody(request: FastifyRequest): ErrorBody {
  return body(404, apiErrorCodes.notFound, `no route ${request.method} ${request.url.split('?')[0]}`);
}

/** Validation issues as one message naming each field: `body.filter.bbox[0]: Too big: expected ...`. */
export function describeIssues(context: string, issues: Array<{ path: string; message: string }>): string {
  const shown = issues.slice(0, 5).map((issue) => `${context}${jsonPath(issue.path)}: ${issue.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return shown.join('; ');
}

/** A zod error of a parse the handler runs itself (a multipart `query` part), as a ValidationError. */
export function zodValidationError(context: string, error: z.ZodError): ValidationError {
  return new ValidationError(
    describeIssues(
      context,
      error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })),
    ),
    { cause: error },
  );
}

/** `/filter/bbox/0` → `.filter.bbox[0]` */
function jsonPath(pointer: string): string {
  return pointer
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('');
}

function body(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function clientCode(status: number): string {
  if (status === 413) return apiErrorCodes.payloadTooLarge;
  if (status === 415) return apiErrorCodes.unsupportedMediaType;
  if (status === 429) return apiErrorCodes.rateLimited;
  if (status === 404) return apiErrorCodes.notFound;
  if (status === 400) return errorCodes.validation;
  return apiErrorCodes.badRequest;
}

/** Fastify's and its plugins' client errors, said so that the user knows what to change. */
function clientMessage(error: Partial<FastifyError>): string {
  switch (error.code) {
    case fastifyErrorCodes.bodyTooLarge:
      return 'the request body is larger than the body limit (api.bodyLimitBytes); send a smaller body or upload images as multipart/form-data';
    case fastifyErrorCodes.fileTooLarge:
      return 'an uploaded file is larger than the upload limit (api.uploadLimitBytes)';
    case fastifyErrorCodes.filesLimit:
      return 'too many files in the upload: at most 16 positive images and 16 negatives';
    case fastifyErrorCodes.partsLimit:
    case fastifyErrorCodes.fieldsLimit:
      return 'too many parts in the multipart body';
    case fastifyErrorCodes.invalidMediaType:
      return 'unsupported content type: send application/json (or multipart/form-data where a route takes uploads)';
    case fastifyErrorCodes.invalidJson:
      return 'the body is not valid JSON';
    case fastifyErrorCodes.emptyJson:
      return 'the body is empty, but the content type says JSON';
    default:
      return error.message ?? 'bad request';
  }
}
