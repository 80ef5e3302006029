import type { FastifyRequest } from 'fastify';
import { AppError, ValidationError, describeError } from '../../../shared/errors/index.js';

/** The file parts a search upload may carry, and the one text part. */
const POSITIVE_PART = 'image';
const NEGATIVE_PART = 'negative';
const QUERY_PART = 'query';

/**
 * A multipart search (file parts `image` and `negative`, an optional `query` part holding the JSON body without
 * the image examples) turned into the JSON body, so that one schema validates both forms. Runs as the route's
 * preValidation hook; a JSON request passes untouched. An uploaded file over the upload limit fails in
 * `toBuffer` (413, @fastify/multipart's fileSize limit).
 */
export async function multipartToBody(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const positives: Array<{ image: string; name?: string }> = [];
  const negatives: Array<{ image: string; name?: string }> = [];
  let query: Record<string, unknown>;
  try {
    query = await collectParts(request, positives, negatives);
  } catch (error) {
    throw asClientError(error);
  }
  request.body = {
    ...query,
    positives: merge(query.positives, positives),
    ...(negatives.length > 0 || query.negatives !== undefined ? { negatives: merge(query.negatives, negatives) } : {}),
  };
}

/** Reads every part: uploads into `positives` / `negatives`, and the query part (returned, `{}` without one). */
async function collectParts(
  request: FastifyRequest,
  positives: Array<{ image: string; name?: string }>,
  negatives: Array<{ image: string; name?: string }>,
): Promise<Record<string, unknown>> {
  let query: Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== POSITIVE_PART && part.fieldname !== NEGATIVE_PART) {
        part.file.resume();
        throw unknownPart(part.fieldname);
      }
      const bytes = await part.toBuffer();
      const example = { image: bytes.toString('base64'), ...(part.filename ? { name: part.filename } : {}) };
      (part.fieldname === POSITIVE_PART ? positives : negatives).push(example);
    } else if (part.fieldname === QUERY_PART) {
      query = parseQueryPart(part.value);
    } else {
      throw part.fieldname === POSITIVE_PART || part.fieldname === NEGATIVE_PART
        ? new ValidationError(`multipart part ${part.fieldname} must be a file (a JPEG or PNG)`)
        : unknownPart(part.fieldname);
    }
  }
  return query;
}

/**
 * A body that is no well-formed multipart (no boundary, cut short, a broken part header: busboy's plain Errors) is
 * the client's mistake. Our ValidationErrors and the plugin's own errors (limits: 413, a closed request: 400) carry
 * their status and pass as they are.
 */
function asClientError(error: unknown): unknown {
  if (error instanceof AppError || typeof (error as { statusCode?: unknown })?.statusCode === 'number') return error;
  return new ValidationError(`the multipart body is malformed: ${describeError(error)}`, { cause: error });
}

/** The query's own examples first, then the uploads; a query value that is not a list is left for the schema to refuse. */
function merge(fromQuery: unknown, uploads: unknown[]): unknown {
  if (fromQuery === undefined) return uploads;
  if (!Array.isArray(fromQuery) || uploads.length === 0) return fromQuery;
  return [...(fromQuery as unknown[]), ...uploads];
}

function parseQueryPart(value: unknown): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch (error) {
    throw new ValidationError(`multipart part query is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ValidationError('multipart part query must be a JSON object (the search body without image examples)');
  return parsed as Record<string, unknown>;
}

function unknownPart(name: string): ValidationError {
  return new ValidationError(
    `unknown multipart part ${JSON.stringify(name)}: expected file parts ${POSITIVE_PART} and ${NEGATIVE_PART}, and a text part ${QUERY_PART}`,
  );
}
