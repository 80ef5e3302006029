import type { Command } from 'commander';
import type { ReembedSummary } from '../../embedder/main.js';
import { createContext, type GlobalOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { untilSignal } from '../shutdown.js';

interface ReembedFlags {
  model: string;
  json?: boolean;
}

/** By hand: fill a model's collection from the serving one, then move the serving alias to it. */
export function registerReembedCommand(program: Command): void {
  program
    .command('reembed')
    .description(
      "re-embed the serving collection with a model, then switch the serving alias to the model's collection",
    )
    .option('--model <id|dir|latest>', "a registry id, a checkpoint directory, or 'latest'", 'latest')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (flags: ReembedFlags) => {
      const ctx = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
      const shutdown = untilSignal(ctx.log);
      // loaded when the command runs, so that every other command starts without it
      const { runReembedCommand } = await import('../../embedder/main.js');
      const progress = createProgress(
        ' {bar} {percentage}% | {value}/{total} tiles | re-embedded {reembedded} skipped {skipped} failed {failed} | ETA {eta_formatted}',
      );
      let summary: ReembedSummary;
      try {
        // an interruption stops between pages with the progress saved (AbortedError: status 130); run again to resume
        summary = await runReembedCommand(ctx.config, ctx.log, ctx.registry, flags.model, {
          signal: shutdown.signal,
          onProgress: (p) =>
            progress.update(Math.min(p.done, p.total), p.total, {
              reembedded: p.reembedded,
              skipped: p.skipped,
              failed: p.failed,
            }),
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    });
}

function formatSummary(s: ReembedSummary): string {
  if (s.alreadyServing) return `${s.target} is already the serving collection; nothing to re-embed\n`;
  return (
    `${s.source} → ${s.target}: ${s.total} tiles, re-embedded ${s.reembedded}, already there ${s.skipped}, ` +
    `in ${s.seconds.toFixed(1)} s; the serving alias now names ${s.target}\n`
  );
}
