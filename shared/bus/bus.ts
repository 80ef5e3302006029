/**
 * The bus port. Topics are partitioned logs; a message's partition is chosen by hashing its key (murmur2,
 * as Kafka's default partitioner does, so a key lands on the same partition on both backends), so all
 * messages of one key stay in order. Consumers belong to a group; the members of a group share the
 * partitions, and every group sees every message. Offsets are committed explicitly, and only after the
 * work is durable (at-least-once delivery; the idempotent store makes it effectively exactly-once).
 *
 * Backends: `SqliteBus` (embedded, durable log in one SQLite file) and `KafkaBus` (kafkajs). Both pass
 * `test/contract/bus.contract.ts`.
 *
 * Errors: every method rejects with an `AppError` only. Codes are listed in `busErrorCodes`
 * (bus-errors.ts); bad arguments are `ValidationError`s (code VALIDATION) and nothing is written.
 */
export interface OutgoingMessage {
  /** decides the partition; all messages of one key keep their order */
  key: string;
  /** JSON text or raw bytes; producers of typed topics use `produceTyped` (typed-messages.ts) */
  value: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface ProduceResult {
  partition: number;
  /** decimal string: Kafka offsets are int64 */
  offset: string;
}

/**
 * How long a topic keeps messages. Like Kafka, retention deletes regardless of consumer-group commits;
 * the SQLite backend logs every deletion that a group had not yet committed past.
 * `Number.POSITIVE_INFINITY` disables a limit.
 */
export interface RetentionPolicy {
  maxAgeMs: number;
  /** per partition: key + value + header bytes */
  maxBytes: number;
}

export interface TopicSpec {
  /** Kafka's legal topic names: [a-zA-Z0-9._-], 1..249 characters */
  name: string;
  /** default: the bus's `defaultPartitions` */
  partitions?: number;
  /** overrides the bus-wide retention for this topic (Kafka: retention.ms / retention.bytes) */
  retention?: Partial<RetentionPolicy>;
}

export interface BusRecord {
  topic: string;
  partition: number;
  /** decimal string; commit `offset + 1` (see `nextOffsets`) once the record is processed */
  offset: string;
  /** null only for records written by foreign Kafka producers without a key */
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  /** ms since the epoch, when the log appended the record */
  timestamp: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** decimal string; for commits and seeks the *next* offset to read, as in Kafka */
  offset: string;
}

export interface PartitionLag extends TopicPartition {
  /** the group's committed offset (next to read); null when the group never committed this partition */
  committed: string | null;
  /** the offset the next produced message will get (Kafka's high watermark) */
  end: string;
  /** end − committed; when nothing is committed yet, end − the oldest retained offset */
  lag: number;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /**
   * Stable identity of this member (like Kafka's group.instance.id on SQLite): a restarted process that
   * reuses it takes its partitions back at once instead of waiting for its old lease to expire; a second
   * live consumer with the same id fences the first. Default: a random id per consumer.
   */
  memberId?: string;
  /** a member silent for this long is considered dead and its partitions move (SQLite default 10 s, Kafka 30 s) */
  sessionTimeoutMs?: number;
  /** where a group without a committed offset starts: true (default) = oldest retained message, false = the end */
  fromBeginning?: boolean;
}

export interface PollOptions {
  /** at most this many records are returned */
  maxMessages: number;
  /** how long to wait when nothing is available; poll returns as soon as at least one record is */
  timeoutMs: number;
  /** aborting rejects the poll with AbortedError */
  signal?: AbortSignal;
}

/**
 * A pull-style member of a consumer group. One poll at a time per consumer. Records of one partition
 * come in offset order. Partitions are (re)assigned when members join, leave or die; records polled from
 * a partition this member then loses are redelivered to the new owner from the group's committed offset.
 */
export interface BusConsumer {
  readonly groupId: string;
  readonly memberId: string;
  poll(options: PollOptions): Promise<BusRecord[]>;
  /**
   * Stores, durably, the next offset to read for each partition (Kafka semantics: last processed + 1).
   * All or nothing: a partition this member no longer owns rejects the whole call with BUS_NOT_ASSIGNED.
   */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** the next poll reads this partition from `offset` (clamped into the retained log); the commit is untouched */
  seek(topic: string, partition: number, offset: string): Promise<void>;
  /** moves every owned partition of `topic` to its first record at or after `timestampMs` (or its end) */
  seekToTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]>;
  /** committed offset, end and lag of every partition of the subscribed topics, for the whole group */
  lag(): Promise<PartitionLag[]>;
  /** the partitions this member owns now (joins the group first if needed) */
  assignment(): Promise<TopicPartition[]>;
  /** leaves the group (its partitions move at once); idempotent */
  close(): Promise<void>;
}

export interface Bus {
  readonly kind: 'sqlite' | 'kafka';
  /** creates missing topics; an existing topic with another partition count is refused (BUS_TOPIC_MISMATCH) */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  /**
   * Appends the messages in order; durable when the promise resolves (SQLite: one transaction, fsynced;
   * Kafka: idempotent producer, acks=all). Results are in the order of `messages`.
   */
  produce(topic: string, messages: OutgoingMessage[]): Promise<ProduceResult[]>;
  /** creates a consumer; it joins its group lazily, on the first poll/seek/assignment call */
  consumer(options: ConsumerOptions): BusConsumer;
  /** closes every consumer created here, then the connection; idempotent */
  close(): Promise<void>;
}
