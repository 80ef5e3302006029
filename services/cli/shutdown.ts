import type { Logger } from '../../shared/log/index.js';

/**
 * Resolves on the first SIGINT/SIGTERM and aborts `controller`, so long-running commands drain and close.
 * A second signal exits at once (the operator insists).
 */
export function untilSignal(log: Logger, controller = new AbortController()): { signal: AbortSignal; done: Promise<string> } {
  const done = new Promise<string>((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        log.warn({ signal: name }, 'second signal: exiting now');
        process.exit(130);
      }
      log.info({ signal: name }, 'shutting down: draining in-flight work');
      controller.abort();
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { signal: controller.signal, done };
}
