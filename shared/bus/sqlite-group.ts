import type Database from 'better-sqlite3';
import { ValidationError } from '../errors/index.js';
import { assignPartitions } from './assign-partitions.js';
import type { PartitionLag } from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import type { SqliteLog, TopicRow } from './sqlite-log.js';

export interface OwnedPartition {
  topic: TopicRow;
  partition: number;
}

interface MemberRow {
  memberId: string;
  instance: string;
  topics: string;
  leaseUntil: number;
}

interface OwnerRow {
  topicId: number;
  partition: number;
  memberId: string;
}

export interface GroupMemberIdentity {
  groupId: string;
  memberId: string;
  /** random per consumer object: tells a restarted process from the old one using the same member id */
  instance: string;
  topics: readonly string[];
  sessionTimeoutMs: number;
}

/**
 * One member's view of its consumer group in the SQLite file. There is no coordinator: every member
 * computes the same round-robin assignment from the live members (lease not expired), then *releases*
 * owned partitions that now belong to someone else and *claims* target partitions nobody live owns. A
 * partition is thus never owned by two live members; during a hand-over it is briefly owned by none.
 * Rebalancing happens only when the member polls (not from the heartbeat timer), so a member usually
 * commits its last batch before giving a partition away. Commits are accepted only for owned partitions.
 */
export class SqliteGroupMembership {
  private readonly stmts;

  constructor(
    private readonly log: SqliteLog,
    private readonly me: GroupMemberIdentity,
  ) {
    const db: Database.Database = log.db;
    this.stmts = {
      members: db.prepare(
        'SELECT member_id AS memberId, instance, topics, lease_until AS leaseUntil FROM bus_members WHERE group_id = ?',
      ),
      owners: db.prepare(
        'SELECT topic_id AS topicId, partition, member_id AS memberId FROM bus_owners WHERE group_id = ?',
      ),
      upsertMember: db.prepare(
        `INSERT INTO bus_members (group_id, member_id, instance, topics, lease_until, joined_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_id, member_id) DO UPDATE SET instance = excluded.instance, topics = excluded.topics, lease_until = excluded.lease_until`,
      ),
      renew: db.prepare('UPDATE bus_members SET lease_until = ? WHERE group_id = ? AND member_id = ? AND instance = ?'),
      member: db.prepare('SELECT instance FROM bus_members WHERE group_id = ? AND member_id = ?'),
      deleteMember: db.prepare('DELETE FROM bus_members WHERE group_id = ? AND member_id = ?'),
      deleteOwnersOf: db.prepare('DELETE FROM bus_owners WHERE group_id = ? AND member_id = ?'),
      deleteOwner: db.prepare('DELETE FROM bus_owners WHERE group_id = ? AND topic_id = ? AND partition = ?'),
      insertOwner: db.prepare(
        'INSERT OR REPLACE INTO bus_owners (group_id, topic_id, partition, member_id, claimed_at) VALUES (?, ?, ?, ?, ?)',
      ),
      owner: db.prepare(
        'SELECT member_id AS memberId FROM bus_owners WHERE group_id = ? AND topic_id = ? AND partition = ?',
      ),
      committed: db.prepare(
        'SELECT offset FROM bus_group_offsets WHERE group_id = ? AND topic_id = ? AND partition = ?',
      ),
      upsertOffset: db.prepare(
        `INSERT INTO bus_group_offsets (group_id, topic_id, partition, offset, committed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic_id, partition) DO UPDATE SET offset = excluded.offset, committed_at = excluded.committed_at`,
      ),
    };
  }

  /**
   * Registers this member, taking the member id over from an earlier consumer that used it (a restarted
   * process): that one's partitions become ours, and it is fenced if it is still running.
   */
  join(now: number): void {
    const { groupId, memberId, instance } = this.me;
    this.stmts.upsertMember.run(
      groupId,
      memberId,
      instance,
      JSON.stringify(this.me.topics),
      now + this.me.sessionTimeoutMs,
      now,
    );
  }

  /**
   * Brings this member's ownership up to date and returns the partitions it owns. Reads first and opens a
   * write transaction only when something must change (a join, a renewal that is due, a dead member to
   * remove, a partition to release or claim), so an idle poll loop costs a few reads.
   */
  sync(now: number): OwnedPartition[] {
    const { groupId, memberId } = this.me;
    if (this.plan(now).needsWrite) {
      this.log.db
        .transaction(() => {
          const plan = this.plan(now);
          this.stmts.upsertMember.run(
            groupId,
            memberId,
            this.me.instance,
            JSON.stringify(this.me.topics),
            now + this.me.sessionTimeoutMs,
            now,
          );
          for (const dead of plan.deadMembers) {
            this.stmts.deleteMember.run(groupId, dead);
            this.stmts.deleteOwnersOf.run(groupId, dead);
          }
          for (const o of plan.orphans) this.stmts.deleteOwner.run(groupId, o.topicId, o.partition);
          for (const o of plan.release) this.stmts.deleteOwner.run(groupId, o.topic.id, o.partition);
          for (const o of plan.claim) this.stmts.insertOwner.run(groupId, o.topic.id, o.partition, memberId, now);
        })
        .immediate();
    }
    return this.plan(now).owned;
  }

  private plan(now: number) {
    const { groupId, memberId, instance } = this.me;
    const members = this.stmts.members.all(groupId) as MemberRow[];
    const owners = this.stmts.owners.all(groupId) as OwnerRow[];
    const self = members.find((m) => m.memberId === memberId);
    if (self && self.instance !== instance) {
      throw busError(busErrorCodes.fenced, `member ${memberId} of group ${groupId} was taken over by another consumer`);
    }
    // this member counts as live even if its lease lapsed: it is running this code
    const deadMembers = members.filter((m) => m.memberId !== memberId && m.leaseUntil < now).map((m) => m.memberId);
    const live = members
      .filter((m) => m.memberId !== memberId && m.leaseUntil >= now)
      .map((m) => ({ memberId: m.memberId, topics: JSON.parse(m.topics) as string[] }));
    live.push({ memberId, topics: [...this.me.topics] });
    const counts = new Map<string, number>();
    for (const topic of new Set(live.flatMap((m) => m.topics))) {
      const row = this.log.topic(topic);
      if (row) counts.set(topic, row.partitions);
    }
    const target = (assignPartitions(live, counts).get(memberId) ?? []).map((tp) => ({
      topic: this.log.requireTopic(tp.topic),
      partition: tp.partition,
    }));
    const liveIds = new Set(live.map((m) => m.memberId));
    const orphans = owners.filter((o) => !liveIds.has(o.memberId) && !deadMembers.includes(o.memberId));
    const ownerOf = new Map(
      owners.filter((o) => liveIds.has(o.memberId)).map((o) => [`${o.topicId}:${o.partition}`, o.memberId]),
    );
    const isTarget = new Set(target.map((t) => `${t.topic.id}:${t.partition}`));
    const mine = owners
      .filter((o) => o.memberId === memberId)
      .map((o) => ({ topic: this.log.topicById(o.topicId), partition: o.partition }))
      .filter((o): o is OwnedPartition => o.topic !== undefined);
    const release = mine.filter((o) => !isTarget.has(`${o.topic.id}:${o.partition}`));
    const claim = target.filter((t) => !ownerOf.has(`${t.topic.id}:${t.partition}`));
    const renewDue = self === undefined || self.leaseUntil - now < (this.me.sessionTimeoutMs * 2) / 3;
    const needsWrite =
      renewDue || deadMembers.length > 0 || orphans.length > 0 || release.length > 0 || claim.length > 0;
    const owned = [...mine.filter((o) => isTarget.has(`${o.topic.id}:${o.partition}`)), ...claim].sort((a, b) =>
      a.topic.name === b.topic.name ? a.partition - b.partition : a.topic.name < b.topic.name ? -1 : 1,
    );
    return { needsWrite, deadMembers, orphans, release, claim, owned };
  }

  /** renews the lease; 'lost' when the row is gone (others declared us dead), 'fenced' when taken over */
  heartbeat(now: number): 'ok' | 'lost' | 'fenced' {
    const { groupId, memberId, instance } = this.me;
    const changed = this.stmts.renew.run(now + this.me.sessionTimeoutMs, groupId, memberId, instance).changes;
    if (changed === 1) return 'ok';
    const row = this.stmts.member.get(groupId, memberId) as { instance: string } | undefined;
    return row === undefined ? 'lost' : 'fenced';
  }

  committed(topic: TopicRow, partition: number): number | undefined {
    const row = this.stmts.committed.get(this.me.groupId, topic.id, partition) as { offset: number } | undefined;
    return row?.offset;
  }

  /** all-or-nothing: every partition must be owned by this member and every offset within the log */
  commit(offsets: ReadonlyArray<{ topic: TopicRow; partition: number; offset: number }>, now: number): void {
    const { groupId, memberId, instance } = this.me;
    this.log.db
      .transaction(() => {
        const row = this.stmts.member.get(groupId, memberId) as { instance: string } | undefined;
        if (row !== undefined && row.instance !== instance) {
          throw busError(
            busErrorCodes.fenced,
            `member ${memberId} of group ${groupId} was taken over by another consumer`,
          );
        }
        const notOwned = offsets.filter((o) => {
          const owner = this.stmts.owner.get(groupId, o.topic.id, o.partition) as { memberId: string } | undefined;
          return row === undefined || owner?.memberId !== memberId;
        });
        if (notOwned.length > 0) {
          const list = notOwned.map((o) => `${o.topic.name}/${o.partition}`).join(', ');
          throw busError(
            busErrorCodes.notAssigned,
            `member ${memberId} of group ${groupId} does not own ${list}; nothing was committed`,
          );
        }
        for (const o of offsets) {
          const { next } = this.log.bounds(o.topic, o.partition);
          if (o.offset > next)
            throw new ValidationError(
              `commit offset ${o.offset} for ${o.topic.name}/${o.partition} is past the log end ${next}`,
            );
          this.stmts.upsertOffset.run(groupId, o.topic.id, o.partition, o.offset, now);
        }
        this.stmts.renew.run(now + this.me.sessionTimeoutMs, groupId, memberId, instance);
      })
      .immediate();
  }

  /** leaves the group: the partitions are free for the others at once */
  leave(): void {
    const { groupId, memberId, instance } = this.me;
    this.log.db
      .transaction(() => {
        const row = this.stmts.member.get(groupId, memberId) as { instance: string } | undefined;
        if (row === undefined || row.instance !== instance) return;
        this.stmts.deleteOwnersOf.run(groupId, memberId);
        this.stmts.deleteMember.run(groupId, memberId);
      })
      .immediate();
  }

  /** the whole group's position on every partition of `topics`; see PartitionLag for a never-committed partition */
  lag(topics: readonly TopicRow[]): PartitionLag[] {
    const out: PartitionLag[] = [];
    for (const topic of topics) {
      for (let partition = 0; partition < topic.partitions; partition++) {
        const { start, next } = this.log.bounds(topic, partition);
        const committed = this.committed(topic, partition);
        const lag = Math.max(0, next - Math.max(committed ?? start, start));
        out.push({
          topic: topic.name,
          partition,
          committed: committed === undefined ? null : String(committed),
          end: String(next),
          lag,
        });
      }
    }
    return out;
  }
}
