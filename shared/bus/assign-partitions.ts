import type { TopicPartition } from './bus.js';

export interface GroupMemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/**
 * Round-robin assignment as Kafka's RoundRobinAssignor does it: all topic-partitions sorted by topic then
 * partition, dealt in turn to the members (sorted by id) that subscribe to that topic. Pure and
 * deterministic, so every member of a SQLite group computes the same answer from the same membership.
 * Topics missing from `partitionCounts` get no partitions.
 */
export function assignPartitions(
  members: readonly GroupMemberSubscription[],
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  if (sorted.length === 0) return result;
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].filter((t) => partitionCounts.has(t)).sort();
  let cursor = 0;
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      // advance to the next member (cyclically) that subscribes to this topic; one always does
      for (let step = 0; step < sorted.length; step++) {
        const member = sorted[(cursor + step) % sorted.length];
        if (member.topics.includes(topic)) {
          result.get(member.memberId)?.push({ topic, partition });
          cursor = (cursor + step + 1) % sorted.length;
          break;
        }
      }
    }
  }
  return result;
}
