import kafkajs, { type Admin, type Kafka, type Producer, type SASLOptions } from 'kafkajs';
import { ValidationError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import type {
  Bus,
  BusConsumer,
  ConsumerOptions,
  OutgoingMessage,
  ProduceResult,
  RetentionPolicy,
  TopicSpec,
} from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  checkConsumerOptions,
  checkMessages,
  checkTopicName,
  checkTopicSpecs,
} from './bus-validation.js';
import { KafkaBusConsumer } from './kafka-consumer.js';
import { kafkaOp } from './kafka-errors.js';
import { kafkaLogCreator } from './kafka-logger.js';
import { offsetsFromAcks } from './kafka-offsets.js';
import { partitionForKey } from './murmur2.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** partitions of topics whose spec gives none */
  defaultPartitions: number;
  replicationFactor: number;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  logger?: Logger;
  /** records buffered per partition by a consumer before it pauses fetching (default 2000) */
  maxBufferedPerPartition?: number;
  maxMessageBytes?: number;
}

/** Kafka's topic config for a RetentionPolicy; -1 means unlimited */
function retentionEntries(retention: Partial<RetentionPolicy> | undefined): Array<{ name: string; value: string }> {
  const value = (v: number) => (Number.isFinite(v) ? String(v) : '-1');
  const entries: Array<{ name: string; value: string }> = [];
  if (retention?.maxAgeMs !== undefined) entries.push({ name: 'retention.ms', value: value(retention.maxAgeMs) });
  if (retention?.maxBytes !== undefined) entries.push({ name: 'retention.bytes', value: value(retention.maxBytes) });
  return entries;
}

/**
 * The bus on Apache Kafka through kafkajs. The producer is idempotent (acks=all, one request in flight,
 * kafkajs' unbounded retries) and picks partitions itself with the same murmur2 as the SQLite bus.
 * Topics are created with the configured partitions and replication; auto-creation is off, so producing
 * to a missing topic is a clear BUS_UNKNOWN_TOPIC instead of a silently created one-partition topic.
 * Retention is the broker's: it deletes whole segments on its own schedule.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private closed = false;
  private readonly partitionCounts = new Map<string, number>();
  private readonly consumers = new Set<KafkaBusConsumer>();
  private readonly logger: Logger;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  /** connects the admin client and the producer; call before anything else */
  async open(): Promise<void> {
    if (this.closed) throw busError(busErrorCodes.closed, 'bus is closed');
    if (this.kafka) return;
    const { brokers, clientId, defaultPartitions, replicationFactor, ssl, sasl } = this.options;
    if (
      !Array.isArray(brokers) ||
      brokers.length === 0 ||
      brokers.some((b) => typeof b !== 'string' || !/^[^\s:]+:\d+$/.test(b))
    ) {
      throw new ValidationError(`kafka brokers must be a non-empty list of host:port, got ${JSON.stringify(brokers)}`);
    }
    if (typeof clientId !== 'string' || clientId.length === 0)
      throw new ValidationError('kafka clientId must be a non-empty string');
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1)
      throw new ValidationError(`invalid defaultPartitions ${String(defaultPartitions)}`);
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1)
      throw new ValidationError(`invalid replicationFactor ${String(replicationFactor)}`);
    const saslOptions: SASLOptions | undefined = sasl
      ? { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password }
      : undefined;
    const kafka = new kafkajs.Kafka({
      brokers,
      clientId,
      ssl,
      sasl: saslOptions,
      logCreator: kafkaLogCreator(this.logger),
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await kafkaOp('connect admin', () => admin.connect());
    try {
      await kafkaOp('connect producer', () => producer.connect());
    } catch (error) {
      await admin
        .disconnect()
        .catch((e: unknown) => this.logger.warn({ err: e }, 'bus: kafka admin disconnect failed'));
      throw error;
    }
    this.kafka = kafka;
    this.admin = admin;
    this.producer = producer;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const checked = checkTopicSpecs(specs, this.options.defaultPartitions);
    const admin = this.requireOpen().admin;
    if (checked.length === 0) return;
    await kafkaOp('ensureTopics', () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: checked.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: this.options.replicationFactor,
          configEntries: retentionEntries(s.retention),
        })),
      }),
    );
    const { topics } = await kafkaOp('ensureTopics', () =>
      admin.fetchTopicMetadata({ topics: checked.map((s) => s.name) }),
    );
    for (const spec of checked) {
      const found = topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
      if (found !== spec.partitions) {
        throw busError(
          busErrorCodes.topicMismatch,
          `topic ${spec.name} exists with ${found} partitions, not ${spec.partitions}; changing it would move keys`,
        );
      }
      this.partitionCounts.set(spec.name, found);
    }
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<ProduceResult[]> {
    checkTopicName(topic);
    const checked = checkMessages(messages, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    const { producer } = this.requireOpen();
    const partitions = await this.partitionCount(topic);
    if (checked.length === 0) return [];
    const kafkaMessages = checked.map((m) => ({
      key: m.key,
      value: m.value,
      headers: m.headers,
      partition: partitionForKey(m.key, partitions),
    }));
    const acks = await kafkaOp('produce', () => producer.send({ topic, acks: -1, messages: kafkaMessages }));
    return offsetsFromAcks(
      kafkaMessages.map((m) => m.partition),
      acks.map((a) => ({ partition: a.partition, errorCode: a.errorCode, baseOffset: a.baseOffset })),
    );
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const checked = checkConsumerOptions(options);
    const { kafka, admin } = this.requireOpen();
    const consumer = new KafkaBusConsumer(checked, {
      kafka,
      admin,
      logger: this.logger,
      maxBufferedPerPartition: this.options.maxBufferedPerPartition ?? 2000,
      onClose: (c) => this.consumers.delete(c),
    });
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const failures: unknown[] = [];
    for (const consumer of [...this.consumers]) await consumer.close().catch((error: unknown) => failures.push(error));
    this.consumers.clear();
    const { producer, admin } = this;
    this.producer = undefined;
    this.admin = undefined;
    this.kafka = undefined;
    if (producer)
      await kafkaOp('close producer', () => producer.disconnect()).catch((error: unknown) => failures.push(error));
    if (admin) await kafkaOp('close admin', () => admin.disconnect()).catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }

  /** the topic's partition count: cached from ensureTopics, else asked from the cluster */
  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    const admin = this.requireOpen().admin;
    const names = await kafkaOp('produce', () => admin.listTopics());
    if (!names.includes(topic))
      throw busError(busErrorCodes.unknownTopic, `unknown topic ${topic}: create it with ensureTopics first`);
    const { topics } = await kafkaOp('produce', () => admin.fetchTopicMetadata({ topics: [topic] }));
    const count = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count === 0)
      throw busError(busErrorCodes.unknownTopic, `topic ${topic} has no partitions yet`, { retriable: true });
    this.partitionCounts.set(topic, count);
    return count;
  }

  private requireOpen(): { kafka: Kafka; admin: Admin; producer: Producer } {
    if (this.closed) throw busError(busErrorCodes.closed, 'bus is closed');
    if (!this.kafka || !this.admin || !this.producer)
      throw busError(busErrorCodes.invalidState, 'kafka bus is not open: await bus.open() (createBus does it)');
    return { kafka: this.kafka, admin: this.admin, producer: this.producer };
  }
}
