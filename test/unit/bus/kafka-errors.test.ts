import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { AppError } from '../../../shared/errors/index.js';
import { busErrorCodes } from '../../../shared/bus/index.js';
import { kafkaOp, mapKafkaError } from '../../../shared/bus/kafka-errors.js';

const {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
} = kafkajs;

/** kafkajs builds protocol errors from its code table entries; this is the shape of one */
const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(`broker said ${type}`), { type, code: 0, retriable }));

describe('mapKafkaError', () => {
  it('keeps kafkajs retriable flag and the cause', () => {
    const cause = new KafkaJSConnectionError('Connection error: ECONNREFUSED');
    const mapped = mapKafkaError(cause, 'produce');
    assert.equal(mapped.code, busErrorCodes.kafka);
    assert.equal(mapped.retriable, true);
    assert.equal(mapped.cause, cause);
    assert.match(mapped.message, /^produce: /);
    const fatal = mapKafkaError(new KafkaJSNonRetriableError('bad config'), 'open');
    assert.equal(fatal.retriable, false);
  });

  it('treats exhausted retries over a retriable cause as retriable', () => {
    const inner = new KafkaJSConnectionError('broker down');
    const exhausted = new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 1000 });
    assert.equal(exhausted.retriable, false);
    assert.equal(mapKafkaError(exhausted, 'produce').retriable, true);
    const overFatal = new KafkaJSNumberOfRetriesExceeded(new KafkaJSNonRetriableError('no'), {
      retryCount: 1,
      retryTime: 1,
    });
    assert.equal(mapKafkaError(overFatal, 'produce').retriable, false);
  });

  it('maps rebalance errors to BUS_NOT_ASSIGNED', () => {
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']) {
      const mapped = mapKafkaError(protocolError(type, false), 'commit');
      assert.equal(mapped.code, busErrorCodes.notAssigned, type);
      assert.equal(mapped.retriable, false);
    }
  });

  it('passes AppErrors through and wraps foreign errors as non-retriable', () => {
    const own = new AppError('X', 'mine', { retriable: true });
    assert.equal(mapKafkaError(own, 'op'), own);
    const foreign = mapKafkaError(new TypeError('boom'), 'op');
    assert.equal(foreign.retriable, false);
    assert.ok(foreign.cause instanceof TypeError);
    assert.ok(new KafkaJSError('plain') instanceof Error);
  });

  it('kafkaOp rejects with the mapped error', async () => {
    await assert.rejects(
      kafkaOp('lag', async () => {
        throw new KafkaJSConnectionError('down');
      }),
      (e: unknown) => e instanceof AppError && e.code === busErrorCodes.kafka && e.retriable,
    );
  });
});
