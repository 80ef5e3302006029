import type { Logger } from '../log/index.js';
import type { Bus, RetentionPolicy } from './bus.js';
import { KafkaBus } from './kafka-bus.js';
import { SqliteBus } from './sqlite-bus.js';

/** the bus half of the configuration; `shared/config` parses it from the environment */
export type BusOptions =
  | { kind: 'sqlite'; path: string; defaultPartitions: number; retention: RetentionPolicy }
  | {
      kind: 'kafka';
      brokers: string[];
      clientId: string;
      defaultPartitions: number;
      replicationFactor: number;
      ssl?: boolean;
      sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    };

/** the one place that picks a bus backend; returns it opened */
export async function createBus(options: BusOptions, deps: { logger?: Logger } = {}): Promise<Bus> {
  if (options.kind === 'sqlite') {
    const bus = new SqliteBus({ ...options, logger: deps.logger });
    await bus.open();
    return bus;
  }
  const bus = new KafkaBus({ ...options, logger: deps.logger });
  await bus.open();
  return bus;
}
