import type { Logger } from '../../shared/log/index.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';

export interface ShutdownSignal {
  /** aborted on the first SIGINT/SIGTERM */
  signal: AbortSignal;
  /** resolves with the signal's name */
  done: Promise<string>;
  /** after the command has drained and closed: sets exit status 130 when a signal stopped it (README "Exit status") */
  setExitStatus(): void;
}

/**
 * Resolves on the first SIGINT/SIGTERM and aborts `controller`, so long-running commands drain and close.
 * A second signal exits at once (the operator insists). Either way the status is 130: the work was
 * interrupted, not finished.
 */
export function untilSignal(log: Logger, controller = new AbortController()): ShutdownSignal {
  const done = new Promise<string>((resolve) => {
    const onSignal = (name: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        log.warn({ signal: name }, 'second signal: exiting now');
        process.exit(EXIT_INTERRUPTED);
      }
      log.info({ signal: name }, 'shutting down: draining in-flight work');
      controller.abort();
      resolve(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return {
    signal: controller.signal,
    done,
    setExitStatus: () => {
      if (controller.signal.aborted) process.exitCode = EXIT_INTERRUPTED;
    },
  };
}
