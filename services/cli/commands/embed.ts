import type { Command } from 'commander';
import { AbortedError } from '../../../shared/errors/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { intFlag } from '../flags.js';
import { untilSignal } from '../shutdown.js';

interface EmbedFlags {
  workers: number;
  untilIdle?: boolean;
}

/**
 * TEST-ONLY: `after-decode|after-upsert|after-commit[:N]` makes the embedder SIGKILL its own process the Nth time
 * a batch reaches that point, so crash tests can prove that a crash anywhere repeats the batch and loses nothing.
 */
const CRASH_AT_VARIABLE = 'GIBS_EMBED_CRASH_AT';

/** The embedder on its own: consumer-group members on tiles.fetched until interrupted, or until the topic is drained. */
export function registerEmbedCommand(program: Command): void {
  program
    .command('embed')
    .description('embed the tiles on tiles.fetched into the vector store, as members of the embedder group')
    .option('--workers <n>', 'consumer-group members in this process', intFlag(1, 64), 1)
    .option('--until-idle', 'exit 0 once every record of tiles.fetched is embedded and committed')
    .action(async (flags: EmbedFlags) => {
      const ctx = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
      const shutdown = untilSignal(ctx.log);
      // loaded when the command runs, so that every other command starts without it
      const { openEmbedderService, parseCrashSpec, killAtCrashPoint } = await import('../../embedder/main.js');
      const crashAt = process.env[CRASH_AT_VARIABLE];
      const crash = crashAt ? killAtCrashPoint(parseCrashSpec(crashAt)) : undefined;
      const service = await openEmbedderService(ctx.config, ctx.log, ctx.registry, {
        members: flags.workers,
        reembed: false,
        crash,
      });
      try {
        const idle = flags.untilIdle
          ? service.embedder.untilIdle(shutdown.signal).then(
              () => ctx.log.info('embed: tiles.fetched is drained; stopping'),
              (error: unknown) => {
                if (!(error instanceof AbortedError)) throw error;
              },
            )
          : new Promise<void>(() => {});
        await Promise.race([shutdown.done, service.embedder.done, idle]);
      } finally {
        await service.close();
      }
      shutdown.setExitStatus();
    });
}
