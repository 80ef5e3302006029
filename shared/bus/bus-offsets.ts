import type { BusRecord, TopicPartitionOffset } from './bus.js';

/**
 * The offsets to commit after processing `records`: per partition, the highest offset seen + 1 (Kafka's
 * "next offset to read"). Records may come in any order; the result is sorted by topic and partition.
 */
export function nextOffsets(records: readonly BusRecord[]): TopicPartitionOffset[] {
  const highest = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const record of records) {
    const id = `${record.topic}\u0000${record.partition}`;
    const offset = BigInt(record.offset);
    const seen = highest.get(id);
    if (!seen || offset > seen.offset) highest.set(id, { topic: record.topic, partition: record.partition, offset });
  }
  return [...highest.values()]
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
    .map((h) => ({ topic: h.topic, partition: h.partition, offset: (h.offset + 1n).toString() }));
}
