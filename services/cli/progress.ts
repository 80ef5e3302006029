import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal, nothing otherwise (CI logs and pipes stay clean; the
 * structured logs and the final summary carry the same facts).
 */
export function createProgress(format: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format, stream, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, fields = {}) {
      if (!started) {
        bar.start(total, done, fields);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, fields);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
