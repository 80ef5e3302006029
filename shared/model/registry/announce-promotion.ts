import { produceTyped, type Bus, type TopicPayload, type TopicSpec } from '../../bus/index.js';
import { AppError, describeError } from '../../errors/index.js';
import type { CheckpointMeta } from '../checkpoint/index.js';
import type { ModelRegistry } from './model-registry.js';
import { registryErrorCodes } from './registry-errors.js';

/**
 * The `models` topic: one partition, so every consumer sees the moves of `latest` in the order they
 * happened. Whoever produces to it ensures it with this spec (a different partition count is refused).
 */
export const MODELS_TOPIC: TopicSpec = { name: 'models', partitions: 1 };
/** every announcement has this key: one logical stream, the pointer's */
const MODELS_KEY = 'latest';

export type ModelAnnouncement = TopicPayload<'models'>;
export type PromotionReason = ModelAnnouncement['reason'];

export interface AnnounceDeps<R extends keyof ModelRegistry> {
  registry: Pick<ModelRegistry, R>;
  bus: Bus;
}

export interface Announced {
  meta: CheckpointMeta;
  /** what went onto the `models` topic; undefined when nothing moved */
  message: ModelAnnouncement | undefined;
}

async function announce(bus: Bus, message: ModelAnnouncement): Promise<void> {
  try {
    await produceTyped(bus, 'models', [{ key: MODELS_KEY, value: message }]);
  } catch (error) {
    // the move itself is durable and embedders also watch the registry: say what happened, never undo it
    throw new AppError(
      registryErrorCodes.announceFailed,
      `latest moved to ${message.id}, but announcing it on the models topic failed: ${describeError(error)}`,
      { retriable: true, cause: error },
    );
  }
}

/**
 * Moves `latest` to a stored checkpoint (the registry verifies every file first: a damaged one is refused
 * and the current model keeps serving) and announces the move. Promoting the checkpoint that already
 * serves changes nothing and announces nothing (`message` is then undefined).
 */
export async function promoteAndAnnounce(
  deps: AnnounceDeps<'promote' | 'pointer'>,
  id: string,
  reason: Exclude<PromotionReason, 'rollback'>,
  metrics: Record<string, number> = {},
): Promise<Announced> {
  const before = await deps.registry.pointer();
  const meta = await deps.registry.promote(id);
  if (before?.id === id) return { meta, message: undefined };
  const message: ModelAnnouncement = {
    v: 1,
    id,
    previous: before?.id ?? null,
    promoted_at: new Date().toISOString(),
    metrics,
    reason,
  };
  await announce(deps.bus, message);
  return { meta, message };
}

/** Moves `latest` back to the checkpoint that served before it (see ModelRegistry.rollback) and announces it. */
export async function rollbackAndAnnounce(
  deps: AnnounceDeps<'rollback'>,
): Promise<Announced & { message: ModelAnnouncement }> {
  const { from, to, pointer } = await deps.registry.rollback();
  const message: ModelAnnouncement = {
    v: 1,
    id: to.id,
    previous: from,
    promoted_at: pointer.promoted_at,
    metrics: {},
    reason: 'rollback',
  };
  await announce(deps.bus, message);
  return { meta: to, message };
}
