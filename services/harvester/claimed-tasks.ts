import { AppError, describeError } from '../../shared/errors/index.js';
import { sleep } from '../../shared/retry/index.js';
import type { ClaimOwner, HarvestLedger } from './harvest-ledger.js';
import type { TileTask } from './harvest-tile.js';
import { harvesterErrorCodes } from './harvester-errors.js';

export type ClaimedTask =
  | { task: TileTask; key: string; claimed: true }
  /** the ledger could not take the claim: the tile counts as failed for this run */
  | { task: TileTask; key: string; claimed: false; code: string; reason: string };

/**
 * Hands the plan's tiles to the workers, each under its claim in the ledger, so harvests of one data
 * directory that overlap never work on the same tile at once. A tile another harvest holds is put aside
 * and offered again once the plan's other tiles are handed out, then every `pollMs` until its claim is
 * released (the other harvest finished it: this one then finds it in the ledger) or lapses.
 */
export class ClaimedTasks {
  private readonly waiting: Array<{ task: TileTask; key: string }> = [];
  private exhausted = false;

  constructor(
    private readonly tasks: Iterator<TileTask>,
    private readonly keyOf: (task: TileTask) => string,
    private readonly ledger: HarvestLedger,
    private readonly owner: ClaimOwner,
    private readonly options: { pollMs: number; signal: AbortSignal },
  ) {}

  /** tiles put aside because another harvest holds them (left over when the run stops early) */
  get deferred(): number {
    return this.waiting.length;
  }

  /** The next tile this harvest holds the claim of; undefined when none is left or the run is aborted. */
  async next(): Promise<ClaimedTask | undefined> {
    for (;;) {
      if (this.options.signal.aborted) return undefined;
      let candidate: { task: TileTask; key: string } | undefined;
      let retry = false;
      if (!this.exhausted) {
        const next = this.tasks.next();
        if (next.done) this.exhausted = true;
        else candidate = { task: next.value, key: this.keyOf(next.value) };
      }
      if (!candidate) {
        candidate = this.waiting.shift();
        retry = true;
        if (!candidate) return undefined;
      }
      let granted: boolean;
      try {
        granted = await this.ledger.claim(candidate.key, this.owner);
      } catch (error) {
        return {
          ...candidate,
          claimed: false,
          code: error instanceof AppError ? error.code : harvesterErrorCodes.internal,
          reason: describeError(error),
        };
      }
      if (granted) return { ...candidate, claimed: true };
      this.waiting.push(candidate);
      if (retry) {
        try {
          await sleep(this.options.pollMs, this.options.signal);
        } catch (error) {
          // aborted while waiting: the caller sees the signal and reports the run interrupted
          if (this.options.signal.aborted) return undefined;
          throw error;
        }
      }
    }
  }
}
