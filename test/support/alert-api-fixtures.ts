import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { AlertRule, NewAlert } from '../../shared/alerts/index.js';
import type { TestApi, TestTile } from './api-fixtures.js';

/** The Authorization header of an API key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Asserts the contract's error body (status, code, a message that says something) and returns the message. */
export function assertError(res: LightMyRequestResponse, status: number, code?: string): string {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as { statusCode: number; code: string; error: string; message: string };
  assert.equal(body.statusCode, status);
  assert.ok(body.code.length > 0 && body.error.length > 0 && body.message.length > 0, res.body);
  if (code !== undefined) assert.equal(body.code, code, res.body);
  return body.message;
}

/** POST /v1/alerts/rules with the write key; asserts 201. */
export async function createRule(
  api: TestApi,
  body: Record<string, unknown>,
): Promise<{ rule: AlertRule; webhookSecret: string }> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/v1/alerts/rules',
    headers: bearer(api.keys.write),
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** An alert of `ruleId` on a stored test tile under the API's serving model, as the alerter would record it. */
export function alertOn(api: TestApi, ruleId: string, tile: TestTile, score: number, alertedAt: string): NewAlert {
  return {
    ruleId,
    tileId: tile.id,
    sha256: tile.payload.sha256,
    model: api.model,
    score,
    payload: tile.payload,
    alertedAt,
  };
}
