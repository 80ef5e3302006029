import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ValidationError } from '../errors/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import type {
  Bus,
  BusConsumer,
  ConsumerOptions,
  OutgoingMessage,
  ProduceResult,
  RetentionPolicy,
  TopicSpec,
} from './bus.js';
import { busError, busErrorCodes } from './bus-errors.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  checkConsumerOptions,
  checkMessages,
  checkRetention,
  checkTopicName,
  checkTopicSpecs,
} from './bus-validation.js';
import { SqliteConsumer } from './sqlite-consumer.js';
import { sqliteOp } from './sqlite-errors.js';
import { SqliteLog } from './sqlite-log.js';
import { enforceRetention, type RetentionDeletion } from './sqlite-retention.js';
import { openLogDatabase } from './sqlite-schema.js';
import { WakeSet } from './wait-for-wake.js';

export interface SqliteBusOptions {
  /** the log file; its folder is created if missing. Several processes may open the same file. */
  path: string;
  /** partitions of topics whose spec gives none */
  defaultPartitions: number;
  /** bus-wide retention; a TopicSpec may override it per topic */
  retention: RetentionPolicy;
  logger?: Logger;
  /** wait for another connection's write lock before failing with a retriable BUS_STORAGE (default 5000) */
  busyTimeoutMs?: number;
  /** consumers look at the file this often while idle (default 20 ms); producers in this process wake them at once */
  pollIntervalMs?: number;
  /** retention runs on open and then at most this often, after a produce (default 60 s) */
  retentionCheckIntervalMs?: number;
  /** default lease of a consumer-group member (default 10 s) */
  sessionTimeoutMs?: number;
  maxMessageBytes?: number;
}

/**
 * The embedded bus: a durable, partitioned log in one SQLite file (WAL, synchronous=FULL). A produce
 * call is one transaction; when it resolves the messages survive `kill -9` and power loss. Consumer
 * groups coordinate through the same file (see SqliteGroupMembership), so members may live in different
 * processes. better-sqlite3 is synchronous: a call blocks the event loop for its transaction (and, under
 * contention, up to busyTimeoutMs); keep batches in the hundreds to low thousands.
 */
export class SqliteBus implements Bus {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;
  private log: SqliteLog | undefined;
  private closed = false;
  private lastRetentionAt = 0;
  private readonly consumers = new Set<SqliteConsumer>();
  private readonly wake = new WakeSet();
  private readonly logger: Logger;

  constructor(private readonly options: SqliteBusOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  /** opens (creating) the file and applies retention once; call before anything else */
  async open(): Promise<void> {
    if (this.closed) throw busError(busErrorCodes.closed, 'bus is closed');
    if (this.db) return;
    const { path: file, defaultPartitions, retention } = this.options;
    if (typeof file !== 'string' || file.length === 0) throw new ValidationError('sqlite bus needs a file path');
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1)
      throw new ValidationError(`invalid defaultPartitions ${String(defaultPartitions)}`);
    checkRetention(retention, 'the bus');
    if (retention?.maxAgeMs === undefined || retention.maxBytes === undefined)
      throw new ValidationError('sqlite bus needs retention { maxAgeMs, maxBytes }');
    if (file !== ':memory:') await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    this.db = sqliteOp('open', () =>
      openLogDatabase({ path: file, busyTimeoutMs: this.options.busyTimeoutMs ?? 5000 }),
    );
    this.log = new SqliteLog(this.db);
    this.runRetention();
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const log = this.requireLog();
    const checked = checkTopicSpecs(specs, this.options.defaultPartitions);
    sqliteOp('ensureTopics', () => log.ensureTopics(checked, Date.now()));
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<ProduceResult[]> {
    checkTopicName(topic);
    const checked = checkMessages(messages, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    const log = this.requireLog();
    const row = sqliteOp('produce', () => log.requireTopic(topic));
    if (checked.length === 0) return [];
    const results = sqliteOp('produce', () => log.append(row, checked, Date.now()));
    this.wake.wakeAll();
    if (Date.now() - this.lastRetentionAt >= (this.options.retentionCheckIntervalMs ?? 60_000)) this.runRetention();
    return results;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const checked = checkConsumerOptions(options);
    const log = this.requireLog();
    const consumer = new SqliteConsumer(checked, {
      log,
      wake: this.wake,
      logger: this.logger,
      pollIntervalMs: this.options.pollIntervalMs ?? 20,
      sessionTimeoutMs: checked.sessionTimeoutMs ?? this.options.sessionTimeoutMs ?? 10_000,
      onClose: (c) => this.consumers.delete(c),
    });
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Applies retention now (it also runs on open and periodically after produces). Returns what was
   * deleted; deletions a group had not committed past are also logged as warnings.
   */
  runRetention(now = Date.now()): RetentionDeletion[] {
    const log = this.requireLog();
    this.lastRetentionAt = now;
    return sqliteOp('retention', () => enforceRetention(log, this.options.retention, now, this.logger));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const failures: unknown[] = [];
    for (const consumer of [...this.consumers]) {
      // one consumer failing to leave (busy file) must not keep the file open: its lease simply expires
      await consumer.close().catch((error: unknown) => failures.push(error));
      consumer.detach();
    }
    this.consumers.clear();
    this.wake.wakeAll();
    const db = this.db;
    this.db = undefined;
    this.log = undefined;
    if (db) sqliteOp('close', () => db.close());
    if (failures.length > 0)
      this.logger.warn(
        { err: failures[0], count: failures.length },
        'bus: consumers could not leave their groups on close',
      );
  }

  private requireLog(): SqliteLog {
    if (this.closed) throw busError(busErrorCodes.closed, 'bus is closed');
    if (!this.log)
      throw busError(busErrorCodes.invalidState, 'sqlite bus is not open: await bus.open() (createBus does it)');
    return this.log;
  }
}
