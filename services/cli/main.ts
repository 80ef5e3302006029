import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerApikeyCommand } from './commands/apikey.js';
import { registerConfigCommand } from './commands/config.js';
import { registerEmbedCommand } from './commands/embed.js';
import { registerEmbedImagesCommand } from './commands/embed-images.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerHarvestCommand } from './commands/harvest.js';
import { registerModelsCommand } from './commands/models.js';
import { registerReembedCommand } from './commands/reembed.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerSearchCommand } from './commands/search.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStartCommand } from './commands/start.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerTrainCommand } from './commands/train.js';
import { EXIT_USAGE, exitCodeFor, reportError } from './exit-codes.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * `gibs-embed`: one CLI over every stage. Each subcommand is a composition root: it loads the config,
 * opens the adapters it needs and runs one service (or, for `start`, all of them in this process).
 */
export function buildProgram(): Command {
  const program = new Command('gibs-embed')
    .description('a live, searchable embedding index of NASA GIBS imagery')
    .version(version)
    .option('-c, --config <file>', 'JSON config file (also GIBS_EMBED_CONFIG)')
    .option('--data-dir <dir>', 'data folder of the embedded defaults (also GIBS_EMBED_DATA_DIR)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (also LOG_LEVEL)')
    .showHelpAfterError()
    .exitOverride();
  registerConfigCommand(program);
  registerStartCommand(program);
  registerHarvestCommand(program);
  registerReplayCommand(program);
  registerTrainCommand(program);
  registerEmbedImagesCommand(program);
  registerEvalCommand(program);
  registerEmbedCommand(program);
  registerReembedCommand(program);
  registerSearchCommand(program);
  registerStatsCommand(program);
  registerModelsCommand(program);
  registerServeCommand(program);
  registerApikeyCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own parse errors; one thrown from an action still needs saying
      if (error.code === 'commander.invalidArgument' && !error.message.startsWith('error:'))
        process.stderr.write(`gibs-embed: error: ${error.message}\n`);
      // help and version end with code 0; every usage mistake is status 2, like a wrong config value
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    reportError(error);
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
