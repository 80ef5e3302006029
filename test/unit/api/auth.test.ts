import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { InjectOptions } from 'fastify';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';
import { isLoopback } from '../../../services/api/index.js';

const REMOTE = '203.0.113.7';

type Caller = { name: string; headers?: Record<string, string>; remoteAddress?: string };

/** Every route this suite owns, with the role it needs ('none': anyone, no key looked at). */
function routes(api: TestApi): Array<{ role: 'none' | 'identify' | 'read' | 'admin'; request: InjectOptions }> {
  const id = api.tileIds[0];
  return [
    { role: 'none', request: { method: 'GET', url: '/healthz' } },
    { role: 'none', request: { method: 'GET', url: '/readyz' } },
    { role: 'none', request: { method: 'GET', url: '/metrics' } },
    { role: 'none', request: { method: 'GET', url: '/openapi.json' } },
    { role: 'none', request: { method: 'GET', url: '/v1/ui-config' } },
    { role: 'identify', request: { method: 'GET', url: '/v1/whoami' } },
    { role: 'read', request: { method: 'POST', url: '/v1/search', payload: { positives: [{ tileId: id }] } } },
    { role: 'read', request: { method: 'GET', url: `/v1/tiles/${id}` } },
    { role: 'read', request: { method: 'GET', url: `/v1/tiles/${id}/image` } },
    { role: 'read', request: { method: 'GET', url: `/v1/tiles/${id}/thumbnail?size=32` } },
    { role: 'read', request: { method: 'GET', url: '/v1/embedding-sample?limit=10' } },
    { role: 'read', request: { method: 'GET', url: '/v1/stats' } },
    { role: 'admin', request: { method: 'GET', url: '/v1/apikeys' } },
    { role: 'admin', request: { method: 'POST', url: '/v1/apikeys', payload: { role: 'read', name: 'matrix' } } },
  ];
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys and roles', () => {
  let api: TestApi;
  let revoked: string;
  before(async () => {
    api = await openTestApi();
    const key = api.deps.keys.create('admin', 'to revoke');
    assert.equal(api.deps.keys.revoke(key.id), true);
    revoked = key.key;
  });
  after(async () => {
    await api.close();
  });

  it('answers every route by role: anonymous (loopback / remote), read, write, admin, revoked, bad key', async () => {
    const callers: Array<Caller & { expect: (role: 'none' | 'identify' | 'read' | 'admin') => number }> = [
      { name: 'anonymous on loopback', expect: (r) => (r === 'admin' ? 401 : 200) },
      {
        name: 'anonymous from elsewhere',
        remoteAddress: REMOTE,
        expect: (r) => (r === 'read' || r === 'admin' ? 401 : 200),
      },
      {
        name: 'read key from elsewhere',
        remoteAddress: REMOTE,
        headers: bearer(api.keys.read),
        expect: (r) => (r === 'admin' ? 403 : 200),
      },
      {
        name: 'write key (x-api-key)',
        remoteAddress: REMOTE,
        headers: { 'x-api-key': api.keys.write },
        expect: (r) => (r === 'admin' ? 403 : 200),
      },
      { name: 'admin key', remoteAddress: REMOTE, headers: bearer(api.keys.admin), expect: () => 200 },
      { name: 'revoked key', headers: bearer(revoked), expect: (r) => (r === 'none' ? 200 : 401) },
      { name: 'unknown key', headers: bearer(`gek_${'A'.repeat(43)}`), expect: (r) => (r === 'none' ? 200 : 401) },
      { name: 'malformed key', headers: { 'x-api-key': 'hunter2' }, expect: (r) => (r === 'none' ? 200 : 401) },
      {
        name: 'another auth scheme',
        headers: { authorization: 'Basic dXNlcjpwdw==' },
        expect: (r) => (r === 'none' ? 200 : 401),
      },
    ];
    let checked = 0;
    for (const caller of callers) {
      for (const { role, request } of routes(api)) {
        const res = await api.app.inject({
          ...request,
          headers: { ...(request.headers as Record<string, string>), ...caller.headers },
          remoteAddress: caller.remoteAddress,
        });
        const want = caller.expect(role);
        const status = res.statusCode === 201 ? 200 : res.statusCode;
        assert.equal(
          status,
          want,
          `${caller.name}: ${request.method} ${request.url} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
        if (want === 401) {
          assert.equal(res.json().code, 'UNAUTHORIZED');
          assert.equal(res.headers['www-authenticate'], 'Bearer realm="gibs-embed"');
        }
        if (want === 403) {
          assert.equal(res.json().code, 'FORBIDDEN');
          assert.match(res.json().message, /needs a key with the admin role.*has the (read|write) role/);
        }
        checked++;
      }
    }
    assert.equal(checked, callers.length * routes(api).length);
  });

  it('whoami names the caller', async () => {
    const who = async (headers: Record<string, string> = {}, remoteAddress?: string) =>
      (await api.app.inject({ method: 'GET', url: '/v1/whoami', headers, remoteAddress })).json();
    assert.deepEqual(await who(), { role: 'anonymous', keyId: null });
    assert.deepEqual(await who({}, REMOTE), { role: 'anonymous', keyId: null });
    const [read, write, admin] = ['test read', 'test write', 'test admin'].map(
      (name) => api.deps.keys.list().find((k) => k.name === name)?.id,
    );
    assert.deepEqual(await who(bearer(api.keys.read)), { role: 'read', keyId: read });
    assert.deepEqual(await who({ 'x-api-key': api.keys.write }), { role: 'write', keyId: write });
    assert.deepEqual(await who(bearer(api.keys.admin), REMOTE), { role: 'admin', keyId: admin });
  });

  it('admins list, create and revoke keys over HTTP; a revoked key is refused from the next request on', async () => {
    const admin = bearer(api.keys.admin);
    const created = await api.app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: admin,
      payload: { role: 'write', name: 'ci' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id, key, role } = created.json();
    assert.equal(role, 'write');
    assert.match(key, /^gek_[A-Za-z0-9_-]{43}$/);

    const listed = await api.app.inject({ method: 'GET', url: '/v1/apikeys', headers: admin });
    const keys = listed.json().keys as Array<Record<string, unknown>>;
    const entry = keys.find((k) => k.id === id);
    assert.deepEqual(Object.keys(entry ?? {}).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'role']);
    assert.equal(entry?.name, 'ci');
    assert.ok(!JSON.stringify(keys).includes(key), 'the list never holds a secret');

    const use = () => api.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(key) });
    assert.equal((await use()).json().role, 'write');
    const del = await api.app.inject({ method: 'DELETE', url: `/v1/apikeys/${id}`, headers: admin });
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    assert.equal((await use()).statusCode, 401);
    const again = await api.app.inject({ method: 'DELETE', url: `/v1/apikeys/${id}`, headers: admin });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, 'NOT_FOUND');

    const bad = await api.app.inject({ method: 'POST', url: '/v1/apikeys', headers: admin, payload: { role: 'root' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\.role: Invalid option: expected one of "read"\|"write"\|"admin"/);
  });

  it('keeps only SHA-256 hashes at rest and records the last use', async () => {
    const file = await readFile(api.config.api.keysPath);
    const secret = api.keys.read.slice(4);
    assert.ok(!file.includes(secret), 'the key is not in the file in the clear');
    const before = api.deps.keys.list().find((k) => k.name === 'test read');
    assert.ok(before);
    await api.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(api.keys.read) });
    const used = api.deps.keys.list().find((k) => k.name === 'test read');
    assert.ok(used?.lastUsedAt !== null && Date.now() - Date.parse(String(used?.lastUsedAt)) < 60_000);
  });

  it('tells loopback addresses apart (IPv4 127/8, ::1, IPv4-mapped) from the rest', () => {
    for (const address of ['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
      assert.equal(isLoopback(address), true, address);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', '::2', 'fe80::1', '', undefined])
      assert.equal(isLoopback(address), false, String(address));
  });
});

describe('api.openReads', () => {
  for (const [openReads, loopback, remote] of [
    ['always', 200, 200],
    ['never', 401, 401],
  ] as const) {
    it(`${openReads}: anonymous reads ${loopback} on loopback, ${remote} from elsewhere; writes always need a key`, async () => {
      const api = await openTestApi({ 'api.openReads': openReads });
      try {
        const stats = (remoteAddress?: string) => api.app.inject({ method: 'GET', url: '/v1/stats', remoteAddress });
        assert.equal((await stats()).statusCode, loopback);
        assert.equal((await stats(REMOTE)).statusCode, remote);
        const withKey = await api.app.inject({
          method: 'GET',
          url: '/v1/stats',
          remoteAddress: REMOTE,
          headers: bearer(api.keys.read),
        });
        assert.equal(withKey.statusCode, 200);
        const write = await api.app.inject({ method: 'GET', url: '/v1/apikeys' });
        assert.equal(write.statusCode, 401);
        const ui = (await api.app.inject({ method: 'GET', url: '/v1/ui-config' })).json();
        assert.equal(ui.openReads, openReads);
      } finally {
        await api.close();
      }
    });
  }
});
