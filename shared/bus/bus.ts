/**
 * The bus port. Topics are partitioned logs; a message's partition is chosen by hashing its key, so all
 * messages of one key stay in order. Consumers belong to a group; the members of a group share the
 * partitions, and every group sees every message. Offsets are committed explicitly, and only after the
 * work is durable (at-least-once delivery; the idempotent store makes it effectively exactly-once).
 *
 * Backends: `SqliteBus` (embedded, durable log in one SQLite file) and `KafkaBus` (kafkajs). Both pass
 * `test/contract/bus.contract.ts`.
 */
export interface OutgoingMessage {
  key: string;
  /** JSON text or raw bytes; producers of typed topics use `produceTyped` from topics.ts */
  value: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface ProduceResult {
  partition: number;
  /** decimal string: Kafka offsets are int64 */
  offset: string;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}
