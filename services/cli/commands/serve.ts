import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { intFlag } from '../flags.js';
import { untilSignal } from '../shutdown.js';

/**
 * `gibs-embed serve`: the HTTP API and the web page alone, with their ops endpoints (/healthz, /readyz, /metrics)
 * on the API's own port, until SIGINT/SIGTERM (then status 130). Prints the URL on stdout once listening.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API and the web page (ops endpoints on the same port) until SIGINT/SIGTERM')
    .option('--host <address>', 'address to listen on (default: api.host, 127.0.0.1)')
    .option('--port <n>', 'port to listen on; 0 picks a free one (default: api.port, 8080)', intFlag(0, 65535))
    .action(async (flags: { host?: string; port?: number }) => {
      const { config, log, registry } = createContext(
        program.opts<GlobalOptions>(),
        { 'api.host': flags.host, 'api.port': flags.port },
        { writesData: true },
      );
      const shutdown = untilSignal(log);
      // loaded when the command runs, so that every other command starts without Fastify
      const { openApiService } = await import('../../api/main.js');
      const service = await openApiService(config, log, registry);
      try {
        log.info({ url: service.url, dataDir: config.dataDir }, `web page and API at ${service.url}`);
        process.stdout.write(`gibs-embed API and web page at ${service.url}\n`);
        await shutdown.done;
      } finally {
        await service.close();
        log.info('gibs-embed serve stopped');
      }
      shutdown.setExitStatus();
    });
}
