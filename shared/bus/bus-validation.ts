import { ValidationError } from '../errors/index.js';
import type {
  ConsumerOptions,
  OutgoingMessage,
  PollOptions,
  RetentionPolicy,
  TopicPartitionOffset,
  TopicSpec,
} from './bus.js';

/**
 * Argument checks shared by both backends, so a wrong call gets the same clear ValidationError on SQLite
 * and Kafka, before anything is written or sent.
 */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const OFFSET = /^(0|[1-9][0-9]{0,15})$/;
export const MAX_PARTITIONS = 10_000;
/** Kafka's default message.max.bytes is ~1 MB; we refuse bigger messages on both backends */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000;

export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new ValidationError(`invalid topic name ${JSON.stringify(name)}: use 1-249 of [a-zA-Z0-9._-]`);
  }
  return name;
}

export function checkPartition(partition: unknown): number {
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= MAX_PARTITIONS) {
    throw new ValidationError(`invalid partition ${String(partition)}: expected an integer in [0, ${MAX_PARTITIONS})`);
  }
  return partition;
}

/** offsets travel as decimal strings (Kafka's int64); we accept those below 2^53 so SQLite can store them exactly */
export function checkOffset(offset: unknown): number {
  if (typeof offset !== 'string' || !OFFSET.test(offset) || !Number.isSafeInteger(Number(offset))) {
    throw new ValidationError(`invalid offset ${JSON.stringify(offset)}: expected a non-negative decimal string`);
  }
  return Number(offset);
}

function checkRetentionLimit(value: unknown, what: string): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value <= 0 ||
    (Number.isFinite(value) && !Number.isInteger(value))
  ) {
    throw new ValidationError(`invalid ${what} ${String(value)}: expected a positive integer or Infinity`);
  }
}

export function checkRetention(retention: Partial<RetentionPolicy> | undefined, where: string): void {
  if (retention === undefined) return;
  if (typeof retention !== 'object' || retention === null) throw new ValidationError(`invalid retention for ${where}`);
  checkRetentionLimit(retention.maxAgeMs, `retention.maxAgeMs for ${where}`);
  checkRetentionLimit(retention.maxBytes, `retention.maxBytes for ${where}`);
}

export type CheckedTopicSpec = TopicSpec & { partitions: number };

export function checkTopicSpecs(specs: unknown, defaultPartitions: number): CheckedTopicSpec[] {
  if (!Array.isArray(specs)) throw new ValidationError('ensureTopics expects an array of { name, partitions? }');
  const seen = new Set<string>();
  return (specs as TopicSpec[]).map((spec) => {
    if (typeof spec !== 'object' || spec === null)
      throw new ValidationError('ensureTopics expects an array of { name, partitions? }');
    const name = checkTopicName(spec.name);
    if (seen.has(name)) throw new ValidationError(`topic ${name} is listed twice`);
    seen.add(name);
    const partitions = spec.partitions ?? defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new ValidationError(
        `invalid partition count ${String(partitions)} for ${name}: expected 1..${MAX_PARTITIONS}`,
      );
    }
    checkRetention(spec.retention, name);
    return { ...spec, partitions };
  });
}

export interface CheckedMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string> | undefined;
  /** key + value + header bytes, what retention by size counts */
  bytes: number;
}

export function checkMessages(messages: unknown, maxMessageBytes: number): CheckedMessage[] {
  if (!Array.isArray(messages)) throw new ValidationError('produce expects an array of messages');
  return messages.map((message: OutgoingMessage, i) => {
    if (typeof message !== 'object' || message === null) throw new ValidationError(`message ${i} is not an object`);
    if (typeof message.key !== 'string') throw new ValidationError(`message ${i}: key must be a string`);
    let value: Buffer;
    if (typeof message.value === 'string') value = Buffer.from(message.value, 'utf8');
    else if (message.value instanceof Uint8Array)
      value = Buffer.from(message.value.buffer, message.value.byteOffset, message.value.byteLength);
    else throw new ValidationError(`message ${i}: value must be a string or a Uint8Array`);
    let bytes = Buffer.byteLength(message.key) + value.length;
    if (message.headers !== undefined) {
      if (typeof message.headers !== 'object' || message.headers === null)
        throw new ValidationError(`message ${i}: headers must be an object`);
      for (const [name, v] of Object.entries(message.headers)) {
        if (typeof v !== 'string') throw new ValidationError(`message ${i}: header ${name} must be a string`);
        bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
      }
    }
    if (bytes > maxMessageBytes)
      throw new ValidationError(`message ${i} is ${bytes} bytes, over the ${maxMessageBytes}-byte limit`);
    return { key: message.key, value, headers: message.headers, bytes };
  });
}

export interface CheckedConsumerOptions {
  groupId: string;
  topics: string[];
  memberId: string | undefined;
  sessionTimeoutMs: number | undefined;
  fromBeginning: boolean;
}

export function checkConsumerOptions(options: ConsumerOptions): CheckedConsumerOptions {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('consumer expects { groupId, topics }');
  if (typeof options.groupId !== 'string' || options.groupId.length === 0 || options.groupId.length > 255) {
    throw new ValidationError('consumer groupId must be a non-empty string of at most 255 characters');
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0)
    throw new ValidationError('consumer topics must be a non-empty array');
  const topics = [...new Set(options.topics.map(checkTopicName))];
  if (
    options.memberId !== undefined &&
    (typeof options.memberId !== 'string' || options.memberId.length === 0 || options.memberId.length > 255)
  ) {
    throw new ValidationError('consumer memberId must be a non-empty string of at most 255 characters');
  }
  const session = options.sessionTimeoutMs;
  if (session !== undefined && (!Number.isInteger(session) || session < 100 || session > 3_600_000)) {
    throw new ValidationError(`invalid sessionTimeoutMs ${String(session)}: expected an integer in [100, 3600000]`);
  }
  if (options.fromBeginning !== undefined && typeof options.fromBeginning !== 'boolean')
    throw new ValidationError('fromBeginning must be a boolean');
  return {
    groupId: options.groupId,
    topics,
    memberId: options.memberId,
    sessionTimeoutMs: session,
    fromBeginning: options.fromBeginning ?? true,
  };
}

export function checkPollOptions(options: PollOptions): PollOptions {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('poll expects { maxMessages, timeoutMs }');
  if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1 || options.maxMessages > 1_000_000) {
    throw new ValidationError(
      `invalid maxMessages ${String(options.maxMessages)}: expected an integer in [1, 1000000]`,
    );
  }
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 0) {
    throw new ValidationError(`invalid timeoutMs ${String(options.timeoutMs)}: expected a non-negative integer`);
  }
  return options;
}

export function checkOffsets(
  offsets: unknown,
  subscribed: readonly string[],
): Array<TopicPartitionOffset & { value: number }> {
  if (!Array.isArray(offsets)) throw new ValidationError('commit expects an array of { topic, partition, offset }');
  const seen = new Set<string>();
  return offsets.map((o: TopicPartitionOffset) => {
    if (typeof o !== 'object' || o === null)
      throw new ValidationError('commit entries must be { topic, partition, offset }');
    const topic = checkTopicName(o.topic);
    if (!subscribed.includes(topic)) throw new ValidationError(`topic ${topic} is not subscribed by this consumer`);
    const partition = checkPartition(o.partition);
    const id = `${topic}/${partition}`;
    if (seen.has(id)) throw new ValidationError(`partition ${id} is listed twice`);
    seen.add(id);
    return { topic, partition, offset: o.offset, value: checkOffset(o.offset) };
  });
}

export function checkTimestamp(timestampMs: unknown): number {
  if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs) || timestampMs < 0) {
    throw new ValidationError(`invalid timestamp ${String(timestampMs)}: expected ms since the epoch`);
  }
  return Math.floor(timestampMs);
}
