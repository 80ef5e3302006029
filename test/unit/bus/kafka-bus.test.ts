import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { KafkaBus, busErrorCodes, createBus } from '../../../shared/bus/index.js';

/**
 * What the Kafka adapter decides before it touches the network. Its behaviour against a broker is the
 * contract suite's job (test/contract/kafka-bus.test.ts, when KAFKA_BROKERS is set).
 */
const base = { brokers: ['127.0.0.1:9092'], clientId: 'unit', defaultPartitions: 2, replicationFactor: 1 };

describe('KafkaBus (no broker)', () => {
  it('refuses bad options on open with a ValidationError', async () => {
    for (const bad of [
      { ...base, brokers: [] },
      { ...base, brokers: ['no-port'] },
      { ...base, clientId: '' },
      { ...base, defaultPartitions: 0 },
      { ...base, replicationFactor: 1.5 },
    ]) {
      await assert.rejects(new KafkaBus(bad).open(), ValidationError, JSON.stringify(bad));
    }
    await assert.rejects(createBus({ kind: 'kafka', ...base, brokers: [] }), ValidationError);
  });

  it('refuses use before open, validates arguments first, and closes idempotently', async () => {
    const bus = new KafkaBus(base);
    await assert.rejects(
      bus.produce('t', [{ key: 'k', value: 'v' }]),
      (e: unknown) => e instanceof AppError && e.code === busErrorCodes.invalidState,
    );
    await assert.rejects(bus.produce('bad topic', []), ValidationError);
    await assert.rejects(bus.ensureTopics([{ name: 't', partitions: -1 }]), ValidationError);
    assert.throws(() => bus.consumer({ groupId: '', topics: ['t'] }), ValidationError);
    await bus.close();
    await bus.close();
    await assert.rejects(bus.open(), (e: unknown) => e instanceof AppError && e.code === busErrorCodes.closed);
  });
});
