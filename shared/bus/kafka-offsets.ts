import type { ProduceResult } from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';

/** what kafkajs' send() resolves to, per partition (RecordMetadata, the fields we read) */
export interface PartitionAck {
  partition: number;
  errorCode: number;
  baseOffset?: string;
}

/**
 * Per-message offsets of one send(): kafkajs groups the messages per partition in their original order
 * and the broker acknowledges each partition's record batch with the offset of its first record, so the
 * i-th message of partition p got `baseOffset(p) + i`.
 */
export function offsetsFromAcks(partitions: readonly number[], acks: readonly PartitionAck[]): ProduceResult[] {
  const base = new Map<number, bigint>();
  for (const ack of acks) {
    if (ack.errorCode !== 0 || ack.baseOffset === undefined) {
      throw busError(
        busErrorCodes.kafka,
        `broker acknowledged partition ${ack.partition} with error code ${ack.errorCode}`,
        { retriable: true },
      );
    }
    base.set(ack.partition, BigInt(ack.baseOffset));
  }
  const seen = new Map<number, bigint>();
  return partitions.map((partition) => {
    const start = base.get(partition);
    if (start === undefined)
      throw busError(busErrorCodes.kafka, `broker sent no acknowledgement for partition ${partition}`, {
        retriable: true,
      });
    const index = seen.get(partition) ?? 0n;
    seen.set(partition, index + 1n);
    return { partition, offset: (start + index).toString() };
  });
}
