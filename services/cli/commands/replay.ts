import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { isIsoDate } from '../../../shared/gibs/index.js';
import { createContext, type GlobalOptions } from '../context.js';
import { intFlag, numberFlag } from '../flags.js';
import { untilSignal } from '../shutdown.js';

interface ReplayFlags {
  data: string;
  host: string;
  port: number;
  latency?: number;
  errorRate?: number;
  rateLimitRate?: number;
  retryAfter?: number;
  resetRate?: number;
  truncateRate?: number;
  seed: number;
  repeatRealTiles?: boolean;
  aliasDate: Record<string, string>;
}

function aliasDateFlag(value: string, previous: Record<string, string>): Record<string, string> {
  const [asDate, kitDate, ...rest] = value.split('=');
  if (rest.length > 0 || !isIsoDate(asDate) || !isIsoDate(kitDate))
    throw new InvalidArgumentError(`expected DATE=KITDATE (both YYYY-MM-DD), got "${value}"`);
  return { ...previous, [asDate]: kitDate };
}

/** The GIBS replay server as a long-running process: for demos, manual runs and the scaled-out test rig. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('serve the real imagery kit under the GIBS WMTS REST scheme (with optional fault injection)')
    .option('--data <dir>', 'the imagery kit', '../shared/data')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', intFlag(0, 65535), 8787)
    .option('--latency <ms>', 'added before every tile answer', intFlag(0, 60_000))
    .option('--error-rate <share>', 'share of tile requests answered 500/503', numberFlag(0, 1))
    .option('--rate-limit-rate <share>', 'share answered 429 with Retry-After', numberFlag(0, 1))
    .option('--retry-after <s>', 'Retry-After seconds on 429/503', intFlag(0, 3600))
    .option('--reset-rate <share>', 'share of connections reset', numberFlag(0, 1))
    .option('--truncate-rate <share>', 'share of bodies cut short', numberFlag(0, 1))
    .option('--seed <n>', 'seed of the fault draws', intFlag(0, 2 ** 31 - 1), 1)
    .option(
      '--repeat-real-tiles',
      "load tests only: answer tiles without imagery with one of the layer's real tiles (marked X-Replay-Repeated: 1)",
    )
    .option(
      '--alias-date <date=kitDate>',
      "serve the kit's imagery of kitDate on date too (repeatable; demos and alert tests: make 'today' real imagery)",
      aliasDateFlag,
      {},
    )
    .action(async (flags: ReplayFlags) => {
      const { log } = createContext(program.opts<GlobalOptions>());
      // loaded when the command runs, so that every other command starts without it
      const { startReplayServer } = await import('../../replay/index.js');
      const server = await startReplayServer({
        dataDir: path.resolve(flags.data),
        host: flags.host,
        port: flags.port,
        seed: flags.seed,
        repeatRealTiles: flags.repeatRealTiles ?? false,
        dateAliases: flags.aliasDate,
        logger: log.child({ svc: 'replay' }),
        faults: {
          latencyMs: flags.latency,
          errorRate: flags.errorRate,
          rateLimitRate: flags.rateLimitRate,
          retryAfterSeconds: flags.retryAfter,
          resetRate: flags.resetRate,
          truncateRate: flags.truncateRate,
        },
      });
      process.stdout.write(`${server.url}\n`);
      await untilSignal(log).done;
      await server.close();
    });
}
