import { InvalidArgumentError, type Command } from 'commander';
import { serviceNames, type ServiceName } from '../../../shared/config/index.js';
import { startOpsServer, type HealthCheck } from '../../../shared/metrics/index.js';
import { createContext, type CliContext, type GlobalOptions } from '../context.js';
import { untilSignal } from '../shutdown.js';

interface RunningService {
  name: ServiceName;
  checks: HealthCheck[];
  close(): Promise<void>;
}

/**
 * How to open each service the schema declares (shared/config `serviceSchemas`: the top-level slices with
 * an `enabled` flag). Typed by that list, so a new service slice does not compile until it is given here.
 */
const openers: Record<ServiceName, (ctx: CliContext) => Promise<Omit<RunningService, 'name'>>> = {
  harvester: async (ctx) => {
    // loaded when the command runs, so that every other command starts without it
    const { openHarvesterService } = await import('../../harvester/main.js');
    const service = await openHarvesterService(ctx.config, ctx.log, ctx.registry);
    await service.harvester.start();
    return { checks: service.checks, close: service.close };
  },
  embedder: async (ctx) => {
    const { openEmbedderService } = await import('../../embedder/main.js');
    const service = await openEmbedderService(ctx.config, ctx.log, ctx.registry);
    return { checks: service.checks, close: service.close };
  },
  trainer: async (ctx) => {
    const { openTrainerService } = await import('../../trainer/main.js');
    const service = await openTrainerService(ctx.config, ctx.log, ctx.registry);
    return { checks: service.checks, close: service.close };
  },
  alerter: async (ctx) => {
    const { openAlerterService } = await import('../../alerter/main.js');
    const service = await openAlerterService(ctx.config, ctx.log, ctx.registry);
    return { checks: service.checks, close: service.close };
  },
  api: async (ctx) => {
    const { openApiService } = await import('../../api/main.js');
    const service = await openApiService(ctx.config, ctx.log, ctx.registry);
    ctx.log.info({ url: service.url }, `web page and API at ${service.url}`);
    return { checks: service.checks, close: service.close };
  },
};

const onlyFlag = (value: string): ServiceName[] => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(serviceNames as string[]).includes(n));
  if (unknown.length)
    throw new InvalidArgumentError(`unknown service(s) ${unknown.join(', ')}; known: ${serviceNames.join(', ')}`);
  return names as ServiceName[];
};

/** The main job: every service in one process on the configured backends, until SIGINT/SIGTERM (then status 130). */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the services in this process (embedded defaults: SQLite bus, tiles under ./data)')
    .option(
      '--only <names>',
      `a subset, comma-separated: ${serviceNames.join(', ')} (default: every enabled one)`,
      onlyFlag,
    )
    .action(async (flags: { only?: ServiceName[] }) => {
      const ctx = createContext(program.opts<GlobalOptions>(), {}, { writesData: true });
      const { config, log } = ctx;
      // --only runs what it names even when disabled in the config; otherwise every enabled service
      const selected = flags.only ?? serviceNames.filter((name) => config[name].enabled);
      const running: RunningService[] = [];
      const shutdown = untilSignal(log);
      try {
        for (const name of selected) running.push({ name, ...(await openers[name](ctx)) });
        const ops = config.ops.enabled
          ? await startOpsServer({
              host: config.ops.host,
              port: config.ops.port,
              registry: ctx.registry,
              checks: running.flatMap((s) => s.checks),
            })
          : undefined;
        log.info(
          {
            services: running.map((s) => s.name),
            ops: ops?.url,
            dataDir: config.dataDir,
            bus: config.bus.kind,
            gibs: config.gibs.baseUrl,
          },
          'gibs-embed started',
        );
        await shutdown.done;
        await ops?.close();
      } finally {
        // reverse order: the last opened depends on nothing opened after it
        for (const service of running.reverse()) await service.close();
        log.info('gibs-embed stopped');
      }
      shutdown.setExitStatus();
    });
}
