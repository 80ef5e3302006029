/**
 * What a composition root opened, to be closed in reverse: on close, or at once after a failed start, so nothing
 * outlives it. Reverse order because whatever was opened last depends on what came before it (the consumers drain
 * before the store and the bus they write close). Every release runs even when an earlier one fails; the failures
 * are thrown together.
 */
export class ReleaseStack {
  readonly #releases: Array<() => Promise<void> | void> = [];

  /** `owner` names the service in the error thrown when releases fail */
  constructor(private readonly owner: string) {}

  push(release: () => Promise<void> | void): void {
    this.#releases.push(release);
  }

  async releaseAll(): Promise<void> {
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
}
