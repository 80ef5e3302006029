import type { Bus } from '../../shared/bus/index.js';
import { produceTyped } from '../../shared/bus/index.js';
import type { TopicPayload } from '../../shared/bus/topics.js';
import { withRetry, type RetryPolicy } from '../../shared/retry/index.js';
import type { HarvestLedger, LedgerRecord } from './harvest-ledger.js';

export type ProducedRecord = Extract<LedgerRecord, { status: 'produced' }>;

/** How a submitted tile ended: always on the bus; `recorded` false when its 'produced' row could not be written. */
export interface Submitted {
  recorded: boolean;
}

interface Pending {
  message: { key: string; value: TopicPayload<'tiles.fetched'> };
  record: ProducedRecord;
  resolve: (result: Submitted) => void;
  reject: (error: unknown) => void;
}

export interface ProduceBatcherOptions {
  bus: Bus;
  ledger: HarvestLedger;
  batchSize: number;
  lingerMs: number;
  retry: RetryPolicy;
  onRetry?: (code: string) => void;
  /** tiles on the bus whose 'produced' rows the ledger refused (their intents stay for the next harvest) */
  onUnrecorded?: (count: number, error: unknown) => void;
}

/**
 * Groups `tiles.fetched` messages into one produce call (one fsync on the SQLite bus, one request on
 * Kafka): first their intents in the ledger, then the messages, then (once the bus has acknowledged them)
 * their 'produced' rows, each step one transaction or call. "Produced" in the ledger always means "on the
 * bus". A tile's `submit` rejects when its message did not reach the bus, and resolves once it did, even
 * if the ledger then refused its row (disk full): the tile is on the bus, and its intent lets the next
 * harvest find it there instead of producing it again.
 */
export class ProduceBatcher {
  private readonly options: ProduceBatcherOptions;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();

  constructor(options: ProduceBatcherOptions) {
    this.options = options;
  }

  submit(message: Pending['message'], record: ProducedRecord): Promise<Submitted> {
    return new Promise<Submitted>((resolve, reject) => {
      this.pending.push({ message, record, resolve, reject });
      if (this.pending.length >= this.options.batchSize) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.lingerMs);
    });
  }

  /** Produces whatever is waiting and waits for every batch in flight. */
  async drain(): Promise<void> {
    if (this.pending.length > 0) this.flushNow();
    await Promise.allSettled([...this.flushing]);
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const flush = this.send(batch).finally(() => this.flushing.delete(flush));
    this.flushing.add(flush);
  }

  private async send(batch: Pending[]): Promise<void> {
    const { bus, ledger, retry, onRetry, onUnrecorded } = this.options;
    const retrying = { onRetry: (error: { code: string }) => onRetry?.(error.code) };
    try {
      const intents = batch.map(({ message, record }) => ({ ...record, pointId: message.key }));
      await withRetry(() => ledger.recordIntents(intents), retry, retrying);
      await withRetry(
        () =>
          produceTyped(
            bus,
            'tiles.fetched',
            batch.map((p) => p.message),
          ),
        retry,
        retrying,
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    let recorded = true;
    try {
      await withRetry(() => ledger.record(batch.map((p) => p.record)), retry, retrying);
    } catch (error) {
      recorded = false;
      onUnrecorded?.(batch.length, error);
    }
    for (const p of batch) p.resolve({ recorded });
  }
}
