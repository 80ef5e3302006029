export type {
  Bus,
  BusConsumer,
  BusRecord,
  ConsumerOptions,
  OutgoingMessage,
  PartitionLag,
  PollOptions,
  ProduceResult,
  RetentionPolicy,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
} from './bus.js';
export { busErrorCodes, type BusErrorCode } from './bus-errors.js';
export { nextOffsets } from './bus-offsets.js';
export { commitOwned } from './commit-owned.js';
export { createBus, type BusOptions } from './create-bus.js';
export { SqliteBus, type SqliteBusOptions } from './sqlite-bus.js';
export type { RetentionDeletion } from './sqlite-retention.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { assignPartitions, type GroupMemberSubscription } from './assign-partitions.js';
export { produceTyped, parseRecord, toDlqRecord, toDlqMessage, parseFailureCodes } from './typed-messages.js';
export type { TypedMessage, ParsedRecord, ParseFailureCode } from './typed-messages.js';
export { topics, tileFetchedV1, tileEmbeddedV1, dlqRecordV1, modelPromotedV1, alertRaisedV1 } from './topics.js';
export type { TopicName, TopicPayload } from './topics.js';
