import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../log/index.js';
import type { BusConsumer, BusRecord, PartitionLag, PollOptions, TopicPartition, TopicPartitionOffset } from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import {
  checkOffset,
  checkOffsets,
  checkPartition,
  checkPollOptions,
  checkTimestamp,
  checkTopicName,
  type CheckedConsumerOptions,
} from './bus-validation.js';
import { kafkaOp, mapKafkaError } from './kafka-errors.js';
import { PullBuffer } from './pull-buffer.js';
import { WakeSet } from './wait-for-wake.js';

export interface KafkaConsumerDeps {
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  /** records buffered per partition before its fetching pauses */
  maxBufferedPerPartition: number;
  onClose: (consumer: KafkaBusConsumer) => void;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    // Kafka allows repeated header names; our records carry one value per name, the last one wins
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}

/**
 * Pull-style consumer over kafkajs' push API: `run({ eachBatch })` feeds a PullBuffer (paused per
 * partition when full), `poll` drains it. Offsets are committed only by `commit` (autoCommit off); the
 * eachBatch handler only *resolves* offsets, which moves kafkajs' fetch position, not the group's
 * commit. After a rebalance kafkajs refetches from the committed offsets, so the buffer is emptied.
 */
export class KafkaBusConsumer implements BusConsumer {
  readonly groupId: string;
  readonly memberId: string;
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private state: 'new' | 'running' | 'closed' = 'new';
  private polling = false;
  private assigned: TopicPartition[] = [];
  private crash: Error | undefined;
  private readonly wake = new WakeSet();
  private readonly buffer: PullBuffer;

  constructor(
    private readonly options: CheckedConsumerOptions,
    private readonly deps: KafkaConsumerDeps,
  ) {
    this.groupId = options.groupId;
    this.memberId = options.memberId ?? `${options.groupId}-${randomUUID()}`;
    this.buffer = new PullBuffer({
      highWater: deps.maxBufferedPerPartition,
      pause: (tp) => this.consumer?.pause([{ topic: tp.topic, partitions: [tp.partition] }]),
      resume: (tp) => this.consumer?.resume([{ topic: tp.topic, partitions: [tp.partition] }]),
    });
  }

  async poll(options: PollOptions): Promise<BusRecord[]> {
    const { maxMessages, timeoutMs, signal } = checkPollOptions(options);
    if (this.polling)
      throw busError(busErrorCodes.invalidState, 'poll is already running on this consumer; poll one batch at a time');
    this.polling = true;
    try {
      await this.start();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (this.state === 'closed') return [];
        this.throwIfCrashed();
        const records = this.buffer.take(maxMessages);
        if (records.length > 0) return records;
        const left = deadline - Date.now();
        if (left <= 0) return [];
        await this.wake.sleep(Math.min(left, 100), signal);
      }
    } finally {
      this.polling = false;
    }
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    const checked = checkOffsets(offsets, this.options.topics);
    if (checked.length === 0) return;
    const consumer = this.requireRunning();
    const notOwned = checked.filter((o) => !this.owns(o.topic, o.partition));
    if (notOwned.length > 0) {
      const list = notOwned.map((o) => `${o.topic}/${o.partition}`).join(', ');
      throw busError(
        busErrorCodes.notAssigned,
        `member ${this.memberId} of group ${this.groupId} does not own ${list}; nothing was committed`,
      );
    }
    await kafkaOp('commit', () =>
      consumer.commitOffsets(checked.map(({ topic, partition, offset }) => ({ topic, partition, offset }))),
    );
  }

  async seek(topic: string, partition: number, offset: string): Promise<void> {
    checkTopicName(topic);
    checkPartition(partition);
    checkOffset(offset);
    await this.start();
    const consumer = this.requireRunning();
    if (!this.owns(topic, partition))
      throw busError(busErrorCodes.notAssigned, `member ${this.memberId} does not own ${topic}/${partition}`);
    // clear first: an eachBatch still holding pre-seek records sees isStale() and drops them
    this.buffer.clear(topic, partition);
    try {
      consumer.seek({ topic, partition, offset });
    } catch (error) {
      throw mapKafkaError(error, 'seek');
    }
  }

  async seekToTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]> {
    checkTopicName(topic);
    const ts = checkTimestamp(timestampMs);
    if (!this.options.topics.includes(topic))
      throw busError(busErrorCodes.notAssigned, `topic ${topic} is not subscribed by this consumer`);
    await this.start();
    // kafkajs answers the high watermark for partitions with nothing at or after ts
    const entries = await kafkaOp('seekToTime', () => this.deps.admin.fetchTopicOffsetsByTimestamp(topic, ts));
    const out: TopicPartitionOffset[] = [];
    for (const { partition, offset } of entries) {
      if (!this.owns(topic, partition)) continue;
      await this.seek(topic, partition, offset);
      out.push({ topic, partition, offset });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  async lag(): Promise<PartitionLag[]> {
    if (this.state === 'closed') throw busError(busErrorCodes.closed, `consumer ${this.memberId} is closed`);
    const { admin } = this.deps;
    const committed = await kafkaOp('lag', () =>
      admin.fetchOffsets({ groupId: this.groupId, topics: this.options.topics }),
    );
    const out: PartitionLag[] = [];
    for (const topic of this.options.topics) {
      const ends = await kafkaOp('lag', () => admin.fetchTopicOffsets(topic));
      const groupOffsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const { partition, high, low } of ends) {
        const raw = groupOffsets.find((p) => p.partition === partition)?.offset;
        const value = raw === undefined || BigInt(raw) < 0n ? null : raw;
        const from = value === null || BigInt(value) < BigInt(low) ? BigInt(low) : BigInt(value);
        const lag = BigInt(high) > from ? Number(BigInt(high) - from) : 0;
        out.push({ topic, partition, committed: value, end: high, lag });
      }
    }
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  async assignment(): Promise<TopicPartition[]> {
    await this.start();
    return [...this.assigned];
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.deps.onClose(this);
    this.wake.wakeAll();
    // a start in flight finishes first, so the consumer it connects is disconnected below; its failure,
    // if any, was already thrown to the call that started it
    await this.starting?.catch(() => undefined);
    const consumer = this.consumer;
    this.consumer = undefined;
    this.assigned = [];
    if (consumer) await kafkaOp('close', () => consumer.disconnect());
  }

  private owns(topic: string, partition: number): boolean {
    return this.assigned.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  private requireRunning(): Consumer {
    if (this.state === 'closed') throw busError(busErrorCodes.closed, `consumer ${this.memberId} is closed`);
    this.throwIfCrashed();
    if (this.state !== 'running' || !this.consumer) {
      throw busError(
        busErrorCodes.notAssigned,
        `consumer ${this.memberId} has not joined group ${this.groupId} yet; poll first`,
      );
    }
    return this.consumer;
  }

  private throwIfCrashed(): void {
    if (this.crash) throw mapKafkaError(this.crash, 'consumer crashed');
  }

  /** connects, subscribes and starts kafkajs' run loop once; concurrent callers share the attempt */
  private start(): Promise<void> {
    if (this.state === 'closed')
      return Promise.reject(busError(busErrorCodes.closed, `consumer ${this.memberId} is closed`));
    this.starting ??= this.startOnce().catch((error: unknown) => {
      this.starting = undefined;
      throw mapKafkaError(error, 'consumer start');
    });
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    // with auto-creation off kafkajs would wait on a missing topic's metadata; say so plainly instead
    const existing = await this.deps.admin.listTopics();
    const missing = this.options.topics.filter((t) => !existing.includes(t));
    if (missing.length > 0)
      throw busError(
        busErrorCodes.unknownTopic,
        `unknown topic ${missing.join(', ')}: create it with ensureTopics first`,
      );
    const consumer = this.deps.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.floor((this.options.sessionTimeoutMs ?? 30_000) / 3),
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      this.buffer.clearAll();
      this.deps.logger.info(
        { group: this.groupId, assignment: event.payload.memberAssignment },
        'bus: kafka group joined',
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.crash = event.payload.error;
      this.deps.logger.error(
        { err: event.payload.error, restart: event.payload.restart, group: this.groupId },
        'bus: kafka consumer crashed',
      );
      this.wake.wakeAll();
    });
    await consumer.connect();
    this.consumer = consumer;
    try {
      await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => this.onBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer
        .disconnect()
        .catch((e: unknown) =>
          this.deps.logger.warn({ err: e }, 'bus: kafka consumer disconnect after a failed start failed'),
        );
      throw error;
    }
    this.state = this.state === 'closed' ? 'closed' : 'running';
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const records: BusRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key === null ? null : m.key.toString('utf8'),
      // a tombstone (null value) arrives as empty bytes: parseRecord then reports it instead of dropping it
      value: m.value ?? Buffer.alloc(0),
      headers: headersOf(m),
      timestamp: Number(m.timestamp),
    }));
    this.buffer.push(batch.topic, batch.partition, records);
    resolveOffset(batch.messages[batch.messages.length - 1].offset);
    this.wake.wakeAll();
    await heartbeat();
  }
}
