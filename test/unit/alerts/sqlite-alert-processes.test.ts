import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { SqliteAlertStore } from '../../../shared/alerts/index.js';
import { repositoryRoot } from '../../support/data-kit.js';

const CHILD = path.join(repositoryRoot(), 'test/unit/alerts/record-alert-child.ts');
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface ChildReport {
  cooldown: string;
  recorded: number[];
  reasons: Record<string, number>;
}

function startRecorder(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  let report: ChildReport | undefined;
  lines.on('line', (line) => {
    if (line === 'ready') onReady();
    else if (line.startsWith('{')) report = JSON.parse(line) as ChildReport;
  });
  const exited = new Promise<ChildReport>((resolve, reject) =>
    child.on('exit', (code) => {
      if (code === 0 && report !== undefined) resolve(report);
      else reject(new Error(`recorder exited ${code}: ${stderr.join('')}`));
    }),
  );
  // a child that dies before `ready` must fail the test, not hang it
  const readyOrExit = Promise.race([ready, exited.then(() => assert.fail('recorder exited before ready'))]);
  return { child, ready: readyOrExit, exited };
}

describe('SqliteAlertStore across processes', () => {
  it('two processes recording the same alerts at once record each exactly once, and one alert per cooldown', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alert-race-'));
    dirs.push(dir);
    const file = path.join(dir, 'alerts.db');
    const store = await SqliteAlertStore.open({ path: file });
    const rule = (cooldownSeconds: number) => ({
      name: `race ${cooldownSeconds}`,
      references: [{ kind: 'image' as const, label: 'r.png', bytes: new Uint8Array([1, 2, 3]) }],
      threshold: 0.5,
      cooldownSeconds,
      webhookUrl: 'https://hooks.example.com/race',
      enabled: true,
    });
    const dup = await store.createRule(rule(0), new Date());
    const cool = await store.createRule(rule(3600), new Date());
    const count = 100;
    const a = startRecorder([file, dup.rule.id, cool.rule.id, String(count), 'a', 'b']);
    const b = startRecorder([file, dup.rule.id, cool.rule.id, String(count), 'b', 'a']);
    await Promise.all([a.ready, b.ready]);
    a.child.stdin.write('go\n');
    b.child.stdin.write('go\n');
    const [ra, rb] = await Promise.all([a.exited, b.exited]);

    // each child answered every call, and between them every tile was recorded exactly once
    assert.equal(ra.recorded.length + (ra.reasons.duplicate ?? 0), count, JSON.stringify(ra.reasons));
    assert.equal(rb.recorded.length + (rb.reasons.duplicate ?? 0), count, JSON.stringify(rb.reasons));
    assert.deepEqual(
      [...ra.recorded, ...rb.recorded].sort((x, y) => x - y),
      Array.from({ length: count }, (_, i) => i),
    );
    // not vacuous: every tile was contested in lockstep, and each process won some of them
    assert.ok(ra.recorded.length > 0 && rb.recorded.length > 0, `a ${ra.recorded.length}, b ${rb.recorded.length}`);
    const history = await store.listAlerts({ ruleId: dup.rule.id, limit: 1000 });
    assert.equal(history.length, count);
    assert.equal((await store.listDeliveries({ ruleId: dup.rule.id, limit: 1000 })).length, count);

    assert.deepEqual([ra.cooldown, rb.cooldown].sort(), ['cooldown', 'recorded']);
    assert.equal((await store.listAlerts({ ruleId: cool.rule.id, limit: 10 })).length, 1);
    await store.close();
  });
});
