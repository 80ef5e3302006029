import { describe, it } from 'node:test';
import { KafkaBus, type Bus } from '../../shared/bus/index.js';
import { busContract } from './bus.contract.js';

/**
 * The contract on a real Kafka cluster. This is a test harness, so it reads KAFKA_BROKERS itself
 * (comma-separated host:port). No Kafka server can run on the development machines: there the suite is
 * reported as skipped, with the reason, never as passed.
 */
const brokers = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

if (brokers.length === 0) {
  describe('Bus contract: kafka', () => {
    it(
      'runs against a real cluster',
      { skip: 'KAFKA_BROKERS is not set: the Kafka bus contract was NOT run here' },
      () => {},
    );
  });
} else {
  const open = async (): Promise<Bus> => {
    const bus = new KafkaBus({ brokers, clientId: 'gibs-embed-contract', defaultPartitions: 2, replicationFactor: 1 });
    await bus.open();
    return bus;
  };
  // Kafka group joins and rebalances take seconds; the broker's minimum session timeout is 6 s by default
  busContract('kafka', open, { sessionTimeoutMs: 10_000, settleMs: 30_000 });
}
