import { InvalidArgumentError, type Command } from 'commander';
import { startOpsServer, type HealthCheck } from '../../../shared/metrics/index.js';
import { openHarvesterService } from '../../harvester/main.js';
import { createContext, type CliContext, type GlobalOptions } from '../context.js';
import { untilSignal } from '../shutdown.js';

interface RunningService {
  name: string;
  checks: HealthCheck[];
  close(): Promise<void>;
}

/** Every service that exists, by name; `start` opens the selected ones in this process. */
const services: Record<string, (ctx: CliContext) => Promise<RunningService>> = {
  harvester: async (ctx) => {
    const service = await openHarvesterService(ctx.config, ctx.log, ctx.registry);
    await service.harvester.start();
    return { name: 'harvester', checks: service.checks, close: service.close };
  },
};

const onlyFlag = (value: string): string[] => {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in services));
  if (unknown.length) throw new InvalidArgumentError(`unknown service(s) ${unknown.join(', ')}; known: ${Object.keys(services).join(', ')}`);
  return names;
};

/** The main job: every service in one process on the configured backends, until SIGINT/SIGTERM. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the services in this process (embedded defaults: SQLite bus, tiles under ./data)')
    .option('--only <names>', `a subset, comma-separated: ${Object.keys(services).join(', ')}`, onlyFlag)
    .action(async (flags: { only?: string[] }) => {
      const ctx = createContext(program.opts<GlobalOptions>());
      const { config, log } = ctx;
      const selected = (flags.only ?? Object.keys(services)).filter((name) => flags.only || config[name as 'harvester']?.enabled !== false);
      const running: RunningService[] = [];
      const { done } = untilSignal(log);
      try {
        for (const name of selected) running.push(await services[name](ctx));
        const ops = config.ops.enabled
          ? await startOpsServer({ host: config.ops.host, port: config.ops.port, registry: ctx.registry, checks: running.flatMap((s) => s.checks) })
          : undefined;
        log.info({ services: running.map((s) => s.name), ops: ops?.url, dataDir: config.dataDir, bus: config.bus.kind, gibs: config.gibs.baseUrl }, 'gibs-embed started');
        await done;
        await ops?.close();
      } finally {
        // reverse order: the last opened depends on nothing opened after it
        for (const service of running.reverse()) await service.close();
        log.info('gibs-embed stopped');
      }
    });
}
