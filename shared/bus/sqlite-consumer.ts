import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { BusConsumer, BusRecord, PartitionLag, PollOptions, TopicPartition, TopicPartitionOffset } from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import {
  checkOffsets,
  checkPartition,
  checkPollOptions,
  checkTimestamp,
  checkTopicName,
  checkOffset,
  type CheckedConsumerOptions,
} from './bus-validation.js';
import { sqliteOp } from './sqlite-errors.js';
import { SqliteGroupMembership, type OwnedPartition } from './sqlite-group.js';
import type { SqliteLog, TopicRow } from './sqlite-log.js';
import type { WakeSet } from './wait-for-wake.js';

export interface SqliteConsumerDeps {
  log: SqliteLog;
  wake: WakeSet;
  logger: Logger;
  /** sleep between looks at the file while nothing is available */
  pollIntervalMs: number;
  sessionTimeoutMs: number;
  /** lets the bus forget a closed consumer */
  onClose: (consumer: SqliteConsumer) => void;
}

interface Position {
  topic: TopicRow;
  partition: number;
  /** next offset this member will read */
  offset: number;
}

const key = (topic: TopicRow, partition: number) => `${topic.id}:${partition}`;

/**
 * A pull consumer over the SQLite log. Positions live in memory; a partition's position starts at the
 * group's committed offset when the member gains it (else at the start or end, per fromBeginning). A
 * heartbeat timer (started by the first call, unref'd) renews the lease while the process lives; after a
 * `kill -9` the lease runs out and the partitions move to the surviving members.
 */
export class SqliteConsumer implements BusConsumer {
  readonly groupId: string;
  readonly memberId: string;
  private readonly membership: SqliteGroupMembership;
  private readonly positions = new Map<string, Position>();
  private state: 'new' | 'joined' | 'closed' = 'new';
  private polling = false;
  private rotation = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private fenced = false;

  constructor(
    private readonly options: CheckedConsumerOptions,
    private readonly deps: SqliteConsumerDeps,
  ) {
    this.groupId = options.groupId;
    this.memberId = options.memberId ?? `${options.groupId}-${randomUUID()}`;
    this.membership = new SqliteGroupMembership(deps.log, {
      groupId: options.groupId,
      memberId: this.memberId,
      instance: randomUUID(),
      topics: options.topics,
      sessionTimeoutMs: deps.sessionTimeoutMs,
    });
  }

  async poll(options: PollOptions): Promise<BusRecord[]> {
    const { maxMessages, timeoutMs, signal } = checkPollOptions(options);
    this.assertUsable();
    if (this.polling)
      throw busError(busErrorCodes.invalidState, 'poll is already running on this consumer; poll one batch at a time');
    this.polling = true;
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (this.state === 'closed') return [];
        this.refresh();
        const records = sqliteOp('read', () => this.fetch(maxMessages));
        if (records.length > 0) return records;
        const left = deadline - Date.now();
        if (left <= 0) return [];
        await this.deps.wake.sleep(Math.min(left, this.deps.pollIntervalMs), signal);
      }
    } finally {
      this.polling = false;
    }
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    const checked = checkOffsets(offsets, this.options.topics);
    this.assertUsable();
    if (checked.length === 0) return;
    const rows = checked.map((o) => ({
      topic: this.deps.log.requireTopic(o.topic),
      partition: o.partition,
      offset: o.value,
    }));
    if (this.state === 'new') {
      throw busError(
        busErrorCodes.notAssigned,
        `consumer ${this.memberId} has not joined group ${this.groupId} yet; poll first`,
      );
    }
    sqliteOp('commit', () => this.membership.commit(rows, Date.now()));
  }

  async seek(topic: string, partition: number, offset: string): Promise<void> {
    checkTopicName(topic);
    checkPartition(partition);
    const target = checkOffset(offset);
    const position = this.ownedPosition(topic, partition);
    const { start, next } = sqliteOp('seek', () => this.deps.log.bounds(position.topic, partition));
    position.offset = Math.min(Math.max(target, start), next);
  }

  async seekToTime(topic: string, timestampMs: number): Promise<TopicPartitionOffset[]> {
    checkTopicName(topic);
    const ts = checkTimestamp(timestampMs);
    if (!this.options.topics.includes(topic))
      throw busError(busErrorCodes.notAssigned, `topic ${topic} is not subscribed by this consumer`);
    this.assertUsable();
    this.refresh();
    const out: TopicPartitionOffset[] = [];
    for (const position of this.positions.values()) {
      if (position.topic.name !== topic) continue;
      position.offset = sqliteOp('seekToTime', () =>
        this.deps.log.offsetForTime(position.topic, position.partition, ts),
      );
      out.push({ topic, partition: position.partition, offset: String(position.offset) });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  async lag(): Promise<PartitionLag[]> {
    this.assertUsable();
    return sqliteOp('lag', () => this.membership.lag(this.options.topics.map((t) => this.deps.log.requireTopic(t))));
  }

  async assignment(): Promise<TopicPartition[]> {
    this.assertUsable();
    this.refresh();
    return [...this.positions.values()]
      .map((p) => ({ topic: p.topic.name, partition: p.partition }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasJoined = this.state === 'joined';
    this.state = 'closed';
    clearInterval(this.heartbeatTimer);
    this.positions.clear();
    this.deps.onClose(this);
    // a poll sleeping right now notices the close at once
    this.deps.wake.wakeAll();
    if (wasJoined && !this.fenced) sqliteOp('leave', () => this.membership.leave());
  }

  /** called by the bus when it closes its file under us */
  detach(): void {
    this.state = 'closed';
    clearInterval(this.heartbeatTimer);
    this.positions.clear();
  }

  private assertUsable(): void {
    if (this.state === 'closed') throw busError(busErrorCodes.closed, `consumer ${this.memberId} is closed`);
    if (this.fenced)
      throw busError(
        busErrorCodes.fenced,
        `member ${this.memberId} of group ${this.groupId} was taken over by another consumer`,
      );
  }

  private ownedPosition(topic: string, partition: number): Position {
    if (!this.options.topics.includes(topic))
      throw busError(busErrorCodes.notAssigned, `topic ${topic} is not subscribed by this consumer`);
    this.assertUsable();
    this.refresh();
    const position = this.positions.get(key(this.deps.log.requireTopic(topic), partition));
    if (!position)
      throw busError(busErrorCodes.notAssigned, `member ${this.memberId} does not own ${topic}/${partition}`);
    return position;
  }

  /** joins on first use, then reconciles ownership and positions with the group */
  private refresh(): void {
    const owned = sqliteOp('sync', () => {
      if (this.state === 'new') {
        for (const topic of this.options.topics) this.deps.log.requireTopic(topic);
        this.membership.join(Date.now());
        this.state = 'joined';
        this.startHeartbeat();
      }
      try {
        return this.membership.sync(Date.now());
      } catch (error) {
        if (error instanceof AppError && error.code === busErrorCodes.fenced) this.fenced = true;
        throw error;
      }
    });
    this.applyOwnership(owned);
  }

  private applyOwnership(owned: OwnedPartition[]): void {
    const now = new Set(owned.map((o) => key(o.topic, o.partition)));
    for (const [id, position] of this.positions) {
      if (!now.has(id)) {
        this.positions.delete(id);
        this.deps.logger.info(
          { group: this.groupId, member: this.memberId, topic: position.topic.name, partition: position.partition },
          'bus: partition released',
        );
      }
    }
    for (const o of owned) {
      const id = key(o.topic, o.partition);
      if (this.positions.has(id)) continue;
      const { start, next } = sqliteOp('sync', () => this.deps.log.bounds(o.topic, o.partition));
      const committed = sqliteOp('sync', () => this.membership.committed(o.topic, o.partition));
      let offset = committed ?? (this.options.fromBeginning ? start : next);
      if (offset < start) {
        this.deps.logger.warn(
          { group: this.groupId, topic: o.topic.name, partition: o.partition, committed: offset, start },
          'bus: retention deleted messages this group had not consumed; resuming at the oldest retained offset',
        );
        offset = start;
      }
      this.positions.set(id, { topic: o.topic, partition: o.partition, offset: Math.min(offset, next) });
    }
  }

  private fetch(maxMessages: number): BusRecord[] {
    const list = [...this.positions.values()];
    if (list.length === 0) return [];
    const out: BusRecord[] = [];
    // rotate the first partition so one busy partition cannot starve the others
    for (let i = 0; i < list.length && out.length < maxMessages; i++) {
      const position = list[(this.rotation + i) % list.length];
      const records = this.deps.log.read(position.topic, position.partition, position.offset, maxMessages - out.length);
      if (records.length === 0) continue;
      const first = Number(records[0].offset);
      if (first > position.offset) {
        this.deps.logger.warn(
          {
            group: this.groupId,
            topic: position.topic.name,
            partition: position.partition,
            from: position.offset,
            to: first,
          },
          'bus: retention deleted messages before this member read them',
        );
      }
      position.offset = Number(records[records.length - 1].offset) + 1;
      out.push(...records);
    }
    this.rotation = (this.rotation + 1) % list.length;
    return out;
  }

  private startHeartbeat(): void {
    const every = Math.max(20, Math.floor(this.deps.sessionTimeoutMs / 3));
    this.heartbeatTimer = setInterval(() => this.beat(), every);
    // a consumer nobody closes must not keep the process alive
    this.heartbeatTimer.unref();
  }

  private beat(): void {
    if (this.state !== 'joined') return;
    try {
      const result = this.membership.heartbeat(Date.now());
      if (result === 'fenced') {
        this.fenced = true;
        clearInterval(this.heartbeatTimer);
        this.deps.logger.error(
          { group: this.groupId, member: this.memberId },
          'bus: member taken over by another consumer; stopping heartbeats',
        );
      }
      // 'lost': the next poll rejoins and starts over from the committed offsets
    } catch (error) {
      // a busy file delays one beat; the lease outlives two more attempts
      this.deps.logger.warn({ err: error, group: this.groupId, member: this.memberId }, 'bus: heartbeat failed');
    }
  }
}
