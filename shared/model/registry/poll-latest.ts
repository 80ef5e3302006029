import { AppError } from '../../errors/index.js';
import type { CheckpointMeta } from '../checkpoint/index.js';
import type { RegistryWatch, WatchOptions } from './model-registry.js';
import { registryErrorCodes } from './registry-errors.js';

/**
 * The polling loop behind ModelRegistry.watch, shared by backends: a setTimeout chain (never two polls
 * at once, however slow onChange is). The timer keeps the process alive until stop() or the registry's
 * close(), like any other open resource.
 */
export function pollLatest(
  readLatest: () => Promise<CheckpointMeta | undefined>,
  onChange: (latest: CheckpointMeta | undefined) => void | Promise<void>,
  options: WatchOptions,
): RegistryWatch {
  const intervalMs = options.intervalMs ?? 2000;
  if (!(intervalMs > 0)) throw new RangeError(`watch: intervalMs must be > 0, got ${intervalMs}`);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // undefined = nothing delivered yet; null = delivered "no latest"
  let delivered: string | null | undefined;

  const poll = async () => {
    try {
      const latest = await readLatest();
      const id = latest?.id ?? null;
      if (!stopped && id !== delivered) {
        await onChange(latest);
        delivered = id;
      }
    } catch (error) {
      options.onError(
        error instanceof AppError
          ? error
          : new AppError(
              registryErrorCodes.watchFailed,
              `watch: ${error instanceof Error ? error.message : String(error)}`,
              {
                retriable: true,
                cause: error,
              },
            ),
      );
    }
    if (!stopped) {
      timer = setTimeout(poll, intervalMs);
    }
  };
  timer = setTimeout(poll, 0);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
