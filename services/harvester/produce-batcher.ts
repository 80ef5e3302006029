import type { Bus } from '../../shared/bus/index.js';
import { produceTyped } from '../../shared/bus/index.js';
import type { TopicPayload } from '../../shared/bus/topics.js';
import { withRetry, type RetryPolicy } from '../../shared/retry/index.js';
import type { HarvestLedger, LedgerRecord } from './harvest-ledger.js';

interface Pending {
  message: { key: string; value: TopicPayload<'tiles.fetched'> };
  record: LedgerRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface ProduceBatcherOptions {
  bus: Bus;
  ledger: HarvestLedger;
  batchSize: number;
  lingerMs: number;
  retry: RetryPolicy;
  onRetry?: (code: string) => void;
}

/**
 * Groups `tiles.fetched` messages into one produce call (one fsync on the SQLite bus, one request on
 * Kafka) and, once the bus has acknowledged them, writes their ledger rows in one transaction. A tile's
 * `submit` resolves only then, so "produced" in the ledger always means "on the bus".
 */
export class ProduceBatcher {
  private readonly options: ProduceBatcherOptions;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Set<Promise<void>>();

  constructor(options: ProduceBatcherOptions) {
    this.options = options;
  }

  submit(message: Pending['message'], record: LedgerRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
    const { bus, ledger, retry, onRetry } = this.options;
    try {
      await withRetry(() => produceTyped(bus, 'tiles.fetched', batch.map((p) => p.message)), retry, {
        onRetry: (error) => onRetry?.(error.code),
      });
      await withRetry(() => ledger.record(batch.map((p) => p.record)), retry, { onRetry: (error) => onRetry?.(error.code) });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (const p of batch) p.resolve();
  }
}
