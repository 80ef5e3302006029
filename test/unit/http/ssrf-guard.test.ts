import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { checkWebhookUrl, guardedLookup, isPublicAddress, ssrfErrorCodes } from '../../../shared/http/index.js';

const NOT_PUBLIC = [
  '127.0.0.1',
  '127.255.255.254',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '0.0.0.0',
  '0.1.2.3',
  '100.64.0.1',
  '100.127.255.255',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '240.0.0.1',
  '192.0.2.10',
  '198.18.0.1',
  '::',
  '::1',
  'fe80::1',
  'fe80::1%eth0',
  'febf::1',
  'fc00::1',
  'fd12:3456:789a::1',
  'ff02::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.1.2.3',
  '::ffff:169.254.169.254',
  '::127.0.0.1',
  '64:ff9b::10.0.0.1',
  '2002:c0a8:0101::1',
  '2001:db8::1',
  '100::1',
  'not-an-ip',
  '',
  '1.2.3',
  '256.1.1.1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.15.255.255',
  '172.32.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.255.255',
  '192.169.0.1',
  '11.0.0.1',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::8.8.8.8',
  '2002:0808:0808::1',
];

describe('isPublicAddress', () => {
  for (const ip of NOT_PUBLIC) it(`refuses ${JSON.stringify(ip)}`, () => assert.equal(isPublicAddress(ip), false));
  for (const ip of PUBLIC) it(`allows ${ip}`, () => assert.equal(isPublicAddress(ip), true));
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error;
  }
  return assert.fail('expected a refusal, the call succeeded');
}

const fakeLookup = (addresses: string[]) => async (): Promise<Array<{ address: string; family: number }>> =>
  addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('checkWebhookUrl', () => {
  it('refuses localhost (resolved through the system resolver), naming host and address', async () => {
    const error = await refusal(checkWebhookUrl('http://localhost:8080/hook', { allowPrivate: false }));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, ssrfErrorCodes.webhookUrlRefused);
    assert.match(error.message, /localhost/);
    assert.match(error.message, /127\.0\.0\.1|::1/);
  });

  it('lets localhost and private literals pass with allowPrivate', async () => {
    const { url } = await checkWebhookUrl('http://localhost:8080/hook', { allowPrivate: true });
    assert.equal(url.hostname, 'localhost');
    await checkWebhookUrl('http://10.0.0.5/x', { allowPrivate: true });
  });

  for (const literal of [
    'http://127.0.0.1/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:9000/',
    'http://[::ffff:127.0.0.1]/',
    'https://0x7f000001/',
    'http://2130706433/',
    'http://127.1/',
    'http://0.0.0.0:8080/',
  ]) {
    it(`refuses the literal ${literal} without DNS`, async () => {
      const error = await refusal(
        checkWebhookUrl(literal, { allowPrivate: false, lookup: () => assert.fail('no DNS for a literal') }),
      );
      assert.equal(error.code, ssrfErrorCodes.webhookUrlRefused);
    });
  }

  it('refuses a host when ANY of its addresses is not public', async () => {
    const error = await refusal(
      checkWebhookUrl('https://hooks.example.com/x', {
        allowPrivate: false,
        lookup: fakeLookup(['93.184.216.34', '10.0.0.7']),
      }),
    );
    assert.equal(error.code, ssrfErrorCodes.webhookUrlRefused);
    assert.match(error.message, /hooks\.example\.com/);
    assert.match(error.message, /10\.0\.0\.7/);
  });

  it('accepts a host whose addresses are all public', async () => {
    const checked = await checkWebhookUrl('https://hooks.example.com/x?a=1', {
      allowPrivate: false,
      lookup: fakeLookup(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']),
    });
    assert.equal(checked.url.href, 'https://hooks.example.com/x?a=1');
    assert.deepEqual(checked.addresses, ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
  });

  it('refuses what is not an http(s) URL or carries credentials, before any DNS', async () => {
    const noDns = { allowPrivate: false, lookup: () => assert.fail('no DNS for a malformed URL') };
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'not a url', 'https://user:pw@example.com/']) {
      const error = await refusal(checkWebhookUrl(url, noDns));
      assert.ok(error instanceof ValidationError, url);
      assert.match(error.message, /webhookUrl/);
    }
  });

  it('tells an unknown host (400) from a DNS failure that may pass (retriable)', async () => {
    const failing = (code: string) => async () => {
      throw Object.assign(new Error(`getaddrinfo ${code}`), { code });
    };
    const unknown = await refusal(
      checkWebhookUrl('https://nope.example/', { allowPrivate: false, lookup: failing('ENOTFOUND') }),
    );
    assert.ok(unknown instanceof ValidationError);
    assert.equal(unknown.code, ssrfErrorCodes.webhookUrlUnresolved);
    const flaky = await refusal(
      checkWebhookUrl('https://nope.example/', { allowPrivate: false, lookup: failing('EAI_AGAIN') }),
    );
    assert.equal(flaky.code, ssrfErrorCodes.webhookDnsFailed);
    assert.equal(flaky.retriable, true);
  });
});

describe('guardedLookup in a real http.request', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => res.end('secret internal answer'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(allowPrivate: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: 'localhost', port, path: '/', family: 4, lookup: guardedLookup(allowPrivate), timeout: 5000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('fails the connection to a loopback server', async () => {
    const error = await get(false).then(
      () => assert.fail('the request reached the loopback server'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.code, ssrfErrorCodes.webhookUrlRefused);
    assert.match(error.message, /127\.0\.0\.1/);
  });

  it('connects when private addresses are allowed (the server is really there)', async () => {
    assert.equal(await get(true), 'secret internal answer');
  });

  it('answers the all: true form Node uses with autoSelectFamily', async () => {
    const lookup = guardedLookup(true);
    const addresses = await new Promise<unknown>((resolve, reject) =>
      lookup('localhost', { all: true }, (error, result) => (error ? reject(error) : resolve(result))),
    );
    assert.ok(Array.isArray(addresses) && addresses.length > 0);
    const refusedAll = await new Promise<unknown>((resolve) =>
      guardedLookup(false)('localhost', { all: true }, (error) => resolve(error)),
    );
    assert.ok(refusedAll instanceof AppError);
    assert.equal(refusedAll.code, ssrfErrorCodes.webhookUrlRefused);
  });
});
