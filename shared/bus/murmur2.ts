/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, also kafkajs' DefaultPartitioner) in 32-bit integer
 * arithmetic. Both backends pick partitions with it, so one key lands on the same partition whether the
 * log is SQLite or Kafka, and foreign Kafka producers using the default partitioner agree with us.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // the Java original falls through a switch on length % 4; same effect, spelled without fallthrough
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's default: `toPositive(murmur2(utf8(key))) % partitions` (toPositive masks the sign bit). */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
