import type { Logger } from '../log/index.js';
import type { Bus } from './bus.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import { SqliteBus, type SqliteBusOptions } from './sqlite-bus.js';

/**
 * The bus half of the configuration (`shared/config` parses it from the environment): each backend's own
 * options less the collaborators (logger) and tuning knobs, so the two shapes cannot drift apart.
 */
export type BusOptions =
  | ({ kind: 'sqlite' } & Pick<SqliteBusOptions, 'path' | 'defaultPartitions' | 'retention'>)
  | ({ kind: 'kafka' } & Pick<
      KafkaBusOptions,
      'brokers' | 'clientId' | 'defaultPartitions' | 'replicationFactor' | 'ssl' | 'sasl'
    >);

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
