import type { Logger } from '../log/index.js';

/**
 * What a composition root opened, to be closed in reverse: on close, or at once after a failed start, so nothing
 * outlives it. Reverse order because whatever was opened last depends on what came before it (the consumers drain
 * before the store and the bus they write close). Every release runs even when an earlier one fails; the failures
 * are thrown together.
 */
export class ReleaseStack {
  readonly #releases: Array<() => Promise<void> | void> = [];
  #released = false;

  /** `owner` names the service in the error thrown when releases fail */
  constructor(private readonly owner: string) {}

  push(release: () => Promise<void> | void): void {
    this.#releases.push(release);
  }

  /** true once releaseAll began: a service being closed reports itself unhealthy */
  get released(): boolean {
    return this.#released;
  }

  /** Releases everything pushed so far, last first; calling it again (a second close) releases nothing. */
  async releaseAll(): Promise<void> {
    this.#released = true;
    const failures: unknown[] = [];
    for (const release of this.#releases.splice(0).reverse()) {
      try {
        await release();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length) throw new AggregateError(failures, `${this.owner}: closing its adapters failed`);
  }

  /**
   * After a failed start: releases what was opened, logging (not throwing) a failure to release, so the error the
   * caller sees is the one that stopped the start.
   */
  async releaseAfterFailedStart(log: Logger): Promise<void> {
    await this.releaseAll().catch((cleanup: unknown) =>
      log.warn({ err: cleanup }, `${this.owner}: cleanup after a failed start`),
    );
  }
}
