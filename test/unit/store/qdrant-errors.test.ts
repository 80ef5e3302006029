import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { mapQdrantError, qdrantOp, type QdrantCallContext } from '../../../shared/store/qdrant/qdrant-errors.js';

/** The shape of the client's ApiError (status, data) for a non-2xx answer. */
function answer(status: number, error = 'Wrong input'): Error {
  return Object.assign(new Error(`status ${status}`), { status, data: { status: { error } } });
}

function unreachable(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

function expectMapped(
  error: unknown,
  code: string,
  retriable: boolean,
  context: QdrantCallContext = { operation: 'search', collection: 'tiles' },
): AppError {
  const mapped = mapQdrantError(error, context);
  assert.equal(mapped.code, code, mapped.message);
  assert.equal(mapped.retriable, retriable, mapped.message);
  assert.equal(mapped.cause, error);
  assert.ok(mapped.message.startsWith(`${context.operation}:`), mapped.message);
  return mapped;
}

describe('mapQdrantError', () => {
  it('makes an unreachable, timed-out, overloaded or failing server retriable STORE_UNAVAILABLE', () => {
    for (const errno of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'UND_ERR_SOCKET']) {
      expectMapped(unreachable(errno), storeErrorCodes.unavailable, true);
    }
    expectMapped(new QdrantClientTimeoutError('This operation was aborted'), storeErrorCodes.unavailable, true);
    expectMapped(new QdrantClientResourceExhaustedError('Too Many Requests', '2'), storeErrorCodes.unavailable, true);
    for (const status of [408, 429, 500, 502, 503, 504])
      expectMapped(answer(status), storeErrorCodes.unavailable, true);
    expectMapped(answer(507), storeErrorCodes.io, true);
  });

  it('makes 404 on a collection STORE_UNKNOWN_COLLECTION, elsewhere an answer that is not Qdrant’s', () => {
    expectMapped(answer(404, 'Not found: Collection `tiles` doesn’t exist!'), storeErrorCodes.unknownCollection, false);
    expectMapped(answer(404), storeErrorCodes.unavailable, false, { operation: 'getAliases' });
  });

  it('makes 400, 409 and 422 ValidationErrors that carry the server’s reason', () => {
    for (const status of [400, 409, 422]) {
      const mapped = mapQdrantError(answer(status, 'Vector dimension error: expected dim: 4, got 3'), {
        operation: 'search',
        collection: 'tiles',
      });
      assert.ok(mapped instanceof ValidationError);
      assert.equal(mapped.retriable, false);
      assert.match(mapped.message, /expected dim: 4, got 3/);
    }
  });

  it('does not retry a refused api key', () => {
    expectMapped(answer(401), storeErrorCodes.unavailable, false);
    expectMapped(answer(403), storeErrorCodes.unavailable, false);
  });

  it('makes anything else non-retriable STORE_CORRUPT and passes AppErrors through', () => {
    expectMapped(new Error('Result came uninitialized'), storeErrorCodes.corrupt, false);
    expectMapped(new TypeError('bad header'), storeErrorCodes.corrupt, false);
    expectMapped('a string', storeErrorCodes.corrupt, false);
    const own = new ValidationError('mine');
    assert.equal(mapQdrantError(own, { operation: 'x' }), own);
  });

  it('qdrantOp returns the value or throws the mapped error', async () => {
    assert.equal(await qdrantOp({ operation: 'x' }, async () => 7), 7);
    await assert.rejects(
      qdrantOp({ operation: 'count', collection: 'c' }, async () => {
        throw answer(503);
      }),
      (error: unknown) => error instanceof AppError && error.code === storeErrorCodes.unavailable && error.retriable,
    );
  });
});
