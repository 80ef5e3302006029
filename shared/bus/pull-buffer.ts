import type { BusRecord, TopicPartition } from './bus.js';

export interface PullBufferOptions {
  /** a partition holding this many records is paused until poll drains it below half */
  highWater: number;
  pause: (tp: TopicPartition) => void;
  resume: (tp: TopicPartition) => void;
}

interface Queue extends TopicPartition {
  records: BusRecord[];
  paused: boolean;
}

/**
 * Turns kafkajs' push delivery (eachBatch) into pull: batches are queued per partition, the fetcher is
 * paused per partition when its queue is full and resumed when poll drains it, so memory stays bounded
 * and a slow embedder never blocks kafkajs' heartbeats. `take` deals records round-robin across
 * partitions, in offset order within each.
 */
export class PullBuffer {
  private readonly queues = new Map<string, Queue>();
  private rotation = 0;

  constructor(private readonly options: PullBufferOptions) {}

  push(topic: string, partition: number, records: readonly BusRecord[]): void {
    const id = `${topic}\u0000${partition}`;
    let queue = this.queues.get(id);
    if (!queue) {
      queue = { topic, partition, records: [], paused: false };
      this.queues.set(id, queue);
    }
    queue.records.push(...records);
    if (!queue.paused && queue.records.length >= this.options.highWater) {
      queue.paused = true;
      this.options.pause({ topic, partition });
    }
  }

  size(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.records.length;
    return n;
  }

  take(max: number): BusRecord[] {
    const queues = [...this.queues.values()].filter((q) => q.records.length > 0);
    const out: BusRecord[] = [];
    if (queues.length === 0) return out;
    const share = Math.max(1, Math.ceil(max / queues.length));
    for (let i = 0; i < queues.length && out.length < max; i++) {
      const queue = queues[(this.rotation + i) % queues.length];
      out.push(...queue.records.splice(0, Math.min(share, max - out.length)));
    }
    // a second pass fills what small queues left over
    for (let i = 0; i < queues.length && out.length < max; i++) {
      const queue = queues[(this.rotation + i) % queues.length];
      out.push(...queue.records.splice(0, max - out.length));
    }
    this.rotation = (this.rotation + 1) % queues.length;
    for (const queue of queues) this.resumeIfDrained(queue);
    return out;
  }

  /** drops one partition's queue (seek, revocation) and resumes it if we had paused it */
  clear(topic: string, partition: number): void {
    const queue = this.queues.get(`${topic}\u0000${partition}`);
    if (!queue) return;
    queue.records = [];
    this.resumeIfDrained(queue);
  }

  /** drops everything (after a rebalance kafkajs refetches from the committed offsets) */
  clearAll(): void {
    for (const queue of this.queues.values()) {
      queue.records = [];
      this.resumeIfDrained(queue);
    }
  }

  private resumeIfDrained(queue: Queue): void {
    if (queue.paused && queue.records.length < this.options.highWater / 2) {
      queue.paused = false;
      this.options.resume({ topic: queue.topic, partition: queue.partition });
    }
  }
}
