import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { SqliteBus, type Bus } from '../../shared/bus/index.js';
import { busContract } from './bus.contract.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openSqliteBus(): Promise<Bus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bus-contract-'));
  dirs.push(dir);
  const bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 2,
    retention: { maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY },
    pollIntervalMs: 10,
  });
  await bus.open();
  return bus;
}

busContract('sqlite', openSqliteBus, {
  sessionTimeoutMs: 2000,
  settleMs: 5000,
  enforceRetention: async (bus) => {
    if (!(bus instanceof SqliteBus)) throw new Error('expected a SqliteBus');
    bus.runRetention();
  },
});
