import type Database from 'better-sqlite3';
import type { BusRecord, ProduceResult, RetentionPolicy } from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import type { CheckedMessage, CheckedTopicSpec } from './bus-validation.js';
import { partitionForKey } from './murmur2.js';

export interface TopicRow {
  id: number;
  name: string;
  partitions: number;
  /** per-topic overrides (SQLite REAL keeps Infinity); null = the bus default */
  maxAgeMs: number | null;
  maxBytes: number | null;
}

export interface PartitionBounds {
  /** oldest retained offset */
  start: number;
  /** offset the next message gets */
  next: number;
}

interface MessageRow {
  offset: number;
  ts: number;
  key: string | null;
  headers: string | null;
  value: Buffer;
}

/**
 * The log's data access: topics, appends, range reads, bounds. Statements are prepared once per
 * connection. Every method is synchronous (better-sqlite3); callers wrap them with `sqliteOp` for errors.
 */
export class SqliteLog {
  private readonly topics = new Map<string, TopicRow>();
  private readonly topicsById = new Map<number, TopicRow>();
  private readonly stmts;

  constructor(readonly db: Database.Database) {
    this.stmts = {
      topicByName: db.prepare(
        'SELECT id, name, partitions, max_age_ms AS maxAgeMs, max_bytes AS maxBytes FROM bus_topics WHERE name = ?',
      ),
      allTopics: db.prepare(
        'SELECT id, name, partitions, max_age_ms AS maxAgeMs, max_bytes AS maxBytes FROM bus_topics ORDER BY name',
      ),
      insertTopic: db.prepare(
        'INSERT INTO bus_topics (name, partitions, max_age_ms, max_bytes, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      insertPartition: db.prepare('INSERT INTO bus_partitions (topic_id, partition) VALUES (?, ?)'),
      head: db.prepare(
        'SELECT next_offset AS next, last_ts AS lastTs FROM bus_partitions WHERE topic_id = ? AND partition = ?',
      ),
      bounds: db.prepare(
        'SELECT start_offset AS start, next_offset AS next FROM bus_partitions WHERE topic_id = ? AND partition = ?',
      ),
      advanceHead: db.prepare(
        'UPDATE bus_partitions SET next_offset = ?, last_ts = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?',
      ),
      insertMessage: db.prepare(
        'INSERT INTO bus_messages (topic_id, partition, offset, ts, bytes, key, headers, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      read: db.prepare(
        'SELECT offset, ts, key, headers, value FROM bus_messages WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?',
      ),
      tsAtOrAfter: db.prepare(
        'SELECT offset, ts FROM bus_messages WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT 1',
      ),
    };
  }

  /** the topic, or undefined; a cache miss re-reads the file because another process may have created it */
  topic(name: string): TopicRow | undefined {
    const cached = this.topics.get(name);
    if (cached) return cached;
    const row = this.stmts.topicByName.get(name) as TopicRow | undefined;
    if (row) this.topics.set(name, row);
    return row;
  }

  topicById(id: number): TopicRow | undefined {
    if (!this.topicsById.has(id)) for (const row of this.allTopics()) this.topicsById.set(row.id, row);
    return this.topicsById.get(id);
  }

  requireTopic(name: string): TopicRow {
    const row = this.topic(name);
    if (!row) throw busError(busErrorCodes.unknownTopic, `unknown topic ${name}: create it with ensureTopics first`);
    return row;
  }

  allTopics(): TopicRow[] {
    return this.stmts.allTopics.all() as TopicRow[];
  }

  /** creates missing topics in one transaction; refuses an existing topic whose partition count differs */
  ensureTopics(specs: readonly CheckedTopicSpec[], now: number): void {
    this.db
      .transaction(() => {
        for (const spec of specs) {
          const existing = this.stmts.topicByName.get(spec.name) as TopicRow | undefined;
          if (existing) {
            if (existing.partitions !== spec.partitions) {
              throw busError(
                busErrorCodes.topicMismatch,
                `topic ${spec.name} exists with ${existing.partitions} partitions, not ${spec.partitions}; changing it would move keys`,
              );
            }
            continue;
          }
          const info = this.stmts.insertTopic.run(
            spec.name,
            spec.partitions,
            spec.retention?.maxAgeMs ?? null,
            spec.retention?.maxBytes ?? null,
            now,
          );
          for (let p = 0; p < spec.partitions; p++) this.stmts.insertPartition.run(info.lastInsertRowid, p);
        }
      })
      .immediate();
    this.topics.clear();
  }

  /**
   * Appends in one IMMEDIATE transaction (taken before reading the heads, so concurrent writers in other
   * processes serialise instead of both reading the same next offset). Timestamps never go backwards
   * within a partition, which lets seekToTime binary-search by offset.
   */
  append(topic: TopicRow, messages: readonly CheckedMessage[], now: number): ProduceResult[] {
    return this.db
      .transaction(() => {
        const heads = new Map<number, { next: number; ts: number; bytes: number }>();
        const results: ProduceResult[] = [];
        for (const m of messages) {
          const partition = partitionForKey(m.key, topic.partitions);
          let head = heads.get(partition);
          if (!head) {
            const row = this.stmts.head.get(topic.id, partition) as { next: number; lastTs: number };
            head = { next: row.next, ts: Math.max(now, row.lastTs), bytes: 0 };
            heads.set(partition, head);
          }
          const headers =
            m.headers === undefined || Object.keys(m.headers).length === 0 ? null : JSON.stringify(m.headers);
          this.stmts.insertMessage.run(topic.id, partition, head.next, head.ts, m.bytes, m.key, headers, m.value);
          results.push({ partition, offset: String(head.next) });
          head.next += 1;
          head.bytes += m.bytes;
        }
        for (const [partition, head] of heads)
          this.stmts.advanceHead.run(head.next, head.ts, head.bytes, topic.id, partition);
        return results;
      })
      .immediate();
  }

  read(topic: TopicRow, partition: number, fromOffset: number, limit: number): BusRecord[] {
    const rows = this.stmts.read.all(topic.id, partition, fromOffset, limit) as MessageRow[];
    return rows.map((row) => ({
      topic: topic.name,
      partition,
      offset: String(row.offset),
      key: row.key,
      value: row.value,
      headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
      timestamp: row.ts,
    }));
  }

  bounds(topic: TopicRow, partition: number): PartitionBounds {
    return this.stmts.bounds.get(topic.id, partition) as PartitionBounds;
  }

  /** first offset whose timestamp is >= ts, or the end; binary search relies on per-partition monotonic ts */
  offsetForTime(topic: TopicRow, partition: number, ts: number): number {
    const { start, next } = this.bounds(topic, partition);
    let lo = start;
    let hi = next;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.stmts.tsAtOrAfter.get(topic.id, partition, mid) as { offset: number; ts: number } | undefined;
      if (row === undefined) {
        hi = mid;
      } else if (row.ts < ts) {
        lo = row.offset + 1;
      } else if (row.offset > mid) {
        // retention deletes prefixes only: everything below row.offset is gone, so it is the answer
        return row.offset;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** the topic's retention: its own override where set, else the bus default */
  retentionOf(topic: TopicRow, defaults: RetentionPolicy): RetentionPolicy {
    return { maxAgeMs: topic.maxAgeMs ?? defaults.maxAgeMs, maxBytes: topic.maxBytes ?? defaults.maxBytes };
  }
}
