import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhook, WEBHOOK_HEADERS } from '../../../shared/alerts/index.js';

const secret = 'ooxQ0f-ZBTSSYdQ17iJE0oK7TEcZALe-U2uj0EGuRpI';
const ts = 1_780_000_000;
const body = JSON.stringify({ id: '17', ruleId: 'r', score: 0.93, rule: { id: 'r', name: 'smoke' } });
const now = ts * 1000;

describe('webhook signatures', () => {
  it('is sha256=<hex> of HMAC-SHA256(secret, "timestamp.body"), as a receiver computes it by hand', () => {
    const signature = signWebhook(secret, ts, body);
    const byHand = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    assert.equal(signature, `sha256=${byHand}`);
    assert.equal(signWebhook(secret, ts, Buffer.from(body)), signature, 'bytes and string sign alike');
  });

  it('round-trips, with the timestamp as the header string or a number', () => {
    const signature = signWebhook(secret, ts, body);
    assert.equal(verifyWebhook(secret, signature, String(ts), body, { now }), true);
    assert.equal(verifyWebhook(secret, signature, ts, Buffer.from(body), { now, toleranceSeconds: 60 }), true);
  });

  it('refuses a tampered body, a wrong secret, another timestamp and a malformed header', () => {
    const signature = signWebhook(secret, ts, body);
    assert.equal(verifyWebhook(secret, signature, ts, body.replace('0.93', '0.99'), { now }), false);
    assert.equal(verifyWebhook(`${secret}x`, signature, ts, body, { now }), false);
    assert.equal(verifyWebhook(secret, signature, ts + 1, body, { now }), false, 'the timestamp is signed too');
    assert.equal(verifyWebhook(secret, signature.replace('sha256=', 'sha1='), ts, body, { now }), false);
    assert.equal(verifyWebhook(secret, signature.slice(0, -2), ts, body, { now }), false);
    assert.equal(verifyWebhook(secret, undefined, ts, body, { now }), false);
    assert.equal(verifyWebhook(secret, signature, 'soon', body, { now }), false);
    assert.equal(verifyWebhook('', signature, ts, body, { now }), false);
  });

  it('refuses a stale (or far future) timestamp outside the tolerance, accepts one at its edge', () => {
    const signature = signWebhook(secret, ts, body);
    const opts = (offsetSeconds: number) => ({ now: now + offsetSeconds * 1000, toleranceSeconds: 300 });
    assert.equal(verifyWebhook(secret, signature, ts, body, opts(300)), true);
    assert.equal(verifyWebhook(secret, signature, ts, body, opts(301)), false);
    assert.equal(verifyWebhook(secret, signature, ts, body, opts(-301)), false);
    assert.equal(verifyWebhook(secret, signature, ts, body, { now: new Date(now + 3_600_000) }), false);
  });

  it('names the headers as node:http presents them (lower case)', () => {
    for (const name of Object.values(WEBHOOK_HEADERS)) assert.equal(name, name.toLowerCase());
    assert.equal(WEBHOOK_HEADERS.signature, 'x-gibs-embed-signature');
    assert.equal(WEBHOOK_HEADERS.timestamp, 'x-gibs-embed-timestamp');
  });
});
