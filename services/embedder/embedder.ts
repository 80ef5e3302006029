import type { BlobStore } from '../../shared/blob/index.js';
import type { Bus } from '../../shared/bus/index.js';
import { ValidationError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { sleep } from '../../shared/retry/index.js';
import type { VectorStore } from '../../shared/store/index.js';
import type { CrashHook } from './crash-hook.js';
import type { EmbedderMetrics } from './embedder-metrics.js';
import { EmbedMember } from './embed-member.js';
import type { ModelSet } from './model-set.js';

export const FETCHED_TOPIC = 'tiles.fetched';

export interface EmbedderDeps {
  bus: Bus;
  blobs: BlobStore;
  store: VectorStore;
  models: ModelSet;
  log: Logger;
  metrics?: EmbedderMetrics;
  /** TEST-ONLY: see crash-hook.ts */
  crash?: CrashHook;
  now?: () => Date;
}

export interface EmbedderOptions {
  groupId: string;
  batchSize: number;
  lingerMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** consumer-group members in this process (async loops sharing the models and the store) */
  members: number;
  /** one poll's wait for a first record (default 500 ms) */
  idleWaitMs?: number;
  /** group session lease (the bus's default when omitted) */
  sessionTimeoutMs?: number;
}

export interface Embedder {
  /** starts the members; `done` settles when they have all stopped */
  start(): void;
  /** resolves once every member has stopped; rejects with the first failure that stopped one */
  readonly done: Promise<void>;
  /** resolves once the group has committed every record of tiles.fetched and no batch is in flight here */
  untilIdle(signal?: AbortSignal): Promise<void>;
  /** true while every member runs */
  healthy(): boolean;
  /** finishes the batches in flight (write, produce, commit), then leaves the group */
  stop(): Promise<void>;
}

/** how often untilIdle looks */
const IDLE_CHECK_MS = 100;

/**
 * The embedder (DESIGN.md "Data flow"): N members of the consumer group on tiles.fetched in this process. They
 * share the loaded models (ONNX Runtime runs on the main thread, decoding on the pool's worker threads) and the
 * store; on a 2-core machine more processes would only split the same cores (measured in the embedder bench).
 */
export function createEmbedder(deps: EmbedderDeps, options: EmbedderOptions): Embedder {
  if (!Number.isInteger(options.members) || options.members < 1)
    throw new ValidationError(`members must be a positive integer, got ${options.members}`);
  const stopping = new AbortController();
  const memberDeps = { ...deps, now: deps.now ?? (() => new Date()) };
  const members = Array.from(
    { length: options.members },
    () =>
      new EmbedMember(
        deps.bus.consumer({
          groupId: options.groupId,
          topics: [FETCHED_TOPIC],
          ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
        }),
        memberDeps,
        { ...options, idleWaitMs: options.idleWaitMs ?? 500 },
        stopping.signal,
      ),
  );
  let started: Promise<void> | undefined;
  let resolveDone: () => void = () => {};
  let rejectDone: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // observed by whoever awaits `done`; never an unhandled rejection when nobody does (`start` reads healthy())
  done.catch(() => undefined);

  const closeConsumers = async () => {
    const results = await Promise.allSettled(members.map((m) => m.consumer.close()));
    for (const r of results)
      if (r.status === 'rejected')
        deps.log.warn({ err: describeError(r.reason) }, 'embedder: leaving the consumer group failed');
  };

  return {
    start() {
      if (started) return;
      deps.log.info({ group: options.groupId, members: options.members }, 'embedder: started');
      started = Promise.allSettled(members.map((m) => m.run())).then(async (results) => {
        await closeConsumers();
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) rejectDone(failed.reason);
        else resolveDone();
      });
    },
    done,
    async untilIdle(signal) {
      for (;;) {
        const failed = members.find((m) => m.failure !== undefined);
        if (failed) throw failed.failure;
        if (members.every((m) => m.idle)) {
          const lag = await members[0].consumer.lag();
          if (lag.every((p) => p.lag === 0) && members.every((m) => m.idle)) return;
        }
        await sleep(IDLE_CHECK_MS, signal);
      }
    },
    healthy: () => started !== undefined && !stopping.signal.aborted && members.every((m) => m.failure === undefined),
    async stop() {
      stopping.abort();
      if (started) await started;
      else await closeConsumers();
    },
  };
}
