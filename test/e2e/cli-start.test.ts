import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createBus, parseRecord } from '../../shared/bus/index.js';
import { startReplayServer } from '../../services/replay/index.js';
import { kit, repositoryRoot } from '../support/data-kit.js';
import { startGibsEmbed, type StartedProcess } from '../support/start-process.js';

const repoRoot = repositoryRoot();
const dataKit = kit();

/**
 * The main job as a user runs it: `gibs-embed start` in its own process against the replay server, a
 * harvest at start-up, /metrics and /readyz on the ops server, and a drained exit with status 130 on
 * SIGINT or SIGTERM (README "Exit status": 130 interrupted).
 */
describe('gibs-embed start', () => {
  it('harvests on start onto the embedded bus, serves metrics, and stops drained with status 130 on SIGINT', async () => {
    const replay = await startReplayServer({ dataDir: dataKit });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'start-'));
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), 'start'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        GIBS_EMBED_DATA_DIR: dataDir,
        GIBS_BASE_URL: replay.url,
        OPS_PORT: '0',
        API_PORT: '0',
        LOG_PRETTY: 'false',
        // Blue Marble has no time dimension, so "today minus lag" is a date the replay serves
        HARVEST_JOBS: JSON.stringify([{ layer: 'BlueMarble_ShadedRelief_Bathymetry', levels: [1] }]),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let opsUrl: string | undefined;
      let pageUrl: string | undefined;
      let finished: { fetched: number; failed: number } | undefined;
      const lines = readline.createInterface({ input: child.stderr! });
      const messages: string[] = [];
      lines.on('line', (line) => messages.push((JSON.parse(line) as { msg?: string }).msg ?? ''));
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no harvest within 90 s (ops ${opsUrl})`)), 90_000);
        lines.on('line', (line) => {
          const entry = JSON.parse(line) as {
            msg?: string;
            ops?: string;
            url?: string;
            fetched?: number;
            failed?: number;
          };
          if (entry.msg === 'gibs-embed started') opsUrl = entry.ops;
          if (entry.msg?.startsWith('web page and API at')) pageUrl = entry.url;
          if (entry.msg === 'harvest finished') finished = { fetched: entry.fetched ?? -1, failed: entry.failed ?? -1 };
          if (opsUrl && finished) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await seen;
      assert.deepEqual(finished, { fetched: 6, failed: 0 });
      const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
      assert.match(metrics, /gibs_embed_harvester_tiles_total\{outcome="fetched"\} 6/);
      assert.equal((await fetch(`${opsUrl}/readyz`)).status, 200);
      // the page and the API, started beside the other services, at the URL start logged
      assert.ok(pageUrl, 'start logged the page URL');
      const page = await fetch(pageUrl);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.equal((await fetch(`${pageUrl}healthz`)).status, 200);

      child.kill('SIGINT');
      assert.equal(await exited, 130);
      // drained: the signal was seen, every service closed, and only then did the process exit
      assert.ok(messages.includes('shutting down: draining in-flight work'), messages.join('\n'));
      assert.equal(messages.at(-1), 'gibs-embed stopped');

      const bus = await createBus({
        kind: 'sqlite',
        path: path.join(dataDir, 'bus.db'),
        defaultPartitions: 4,
        retention: { maxAgeMs: Infinity, maxBytes: Infinity },
      });
      try {
        const consumer = bus.consumer({ groupId: 'check', topics: ['tiles.fetched'] });
        const records = await consumer.poll({ maxMessages: 100, timeoutMs: 500 });
        const rows = records.map((r) => parseRecord('tiles.fetched', r));
        assert.equal(rows.length, 6);
        assert.ok(rows.every((r) => r.ok && r.value.layer === 'BlueMarble_ShadedRelief_Bathymetry' && r.value.z === 1));
      } finally {
        await bus.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await replay.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('runs only the services enabled in the config, and exits 130 on SIGTERM', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'start-'));
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), 'start'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        GIBS_EMBED_DATA_DIR: dataDir,
        OPS_PORT: '0',
        LOG_PRETTY: 'false',
        LOG_LEVEL: 'info',
        HARVEST_ENABLED: 'false',
        EMBED_ENABLED: 'false',
        TRAIN_ENABLED: 'false',
        ALERT_ENABLED: 'false',
        API_ENABLED: 'false',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const entries: { msg?: string; services?: string[] }[] = [];
      const lines = readline.createInterface({ input: child.stderr! });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not started within 60 s')), 60_000);
        lines.on('line', (line) => {
          entries.push(JSON.parse(line) as { msg?: string; services?: string[] });
          if (entries.at(-1)?.msg === 'gibs-embed started') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      assert.deepEqual(entries.at(-1)?.services, []);
      child.kill('SIGTERM');
      assert.equal(await exited, 130);
      assert.equal(entries.at(-1)?.msg, 'gibs-embed stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('logs a failed start-up harvest (GIBS unreachable) and keeps running', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'start-'));
    let svc: StartedProcess | undefined;
    try {
      // port 9 on loopback: nothing listens there, so every request is refused at once
      svc = await startGibsEmbed(['--only', 'harvester'], {
        GIBS_EMBED_DATA_DIR: dataDir,
        GIBS_BASE_URL: 'http://127.0.0.1:9',
        GIBS_RETRIES: '0',
      });
      const deadline = Date.now() + 60_000;
      const failed = () => svc!.logs.some((l) => Number(l.level) >= 50 && /harvest failed/.test(String(l.msg)));
      while (!failed() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(failed(), 'the failed start-up harvest is logged as an error');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(svc.child.exitCode, null, 'still running after the failed harvest');
      assert.equal(await svc.stop(), 130);
    } finally {
      await svc?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses --only with a service the schema does not declare, listing the known ones', async () => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin/gibs-embed.js'), 'start', '--only', 'harvester,embedderr'],
      { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /unknown service\(s\) embedderr; known: harvester/);
  });
});
