import type { Command } from 'commander';
import { envVars, maskSecrets } from '../../../shared/config/index.js';
import { createContext, type GlobalOptions } from '../context.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the effective configuration (secrets masked) and exit; status 2 when a value is wrong')
    .option('--env', 'list the environment variables that set each key instead')
    .action((options: { env?: boolean }) => {
      if (options.env) {
        for (const v of envVars) process.stdout.write(`${v.name.padEnd(24)} ${v.key.padEnd(22)} ${v.help}\n`);
        return;
      }
      const { config } = createContext(program.opts<GlobalOptions>());
      process.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
    });
}
