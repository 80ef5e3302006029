import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { describeError } from '../../../shared/errors/index.js';

export interface WebhookRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
  /** the whole attempt: connect, send, status and body */
  timeoutMs: number;
  /** resolves the host (guardedLookup: refuses non-public addresses unless allowed) */
  lookup: LookupFunction;
}

export interface WebhookResponse {
  /** the HTTP status, when one came back */
  status?: number;
  /** why no usable answer came back (network, timeout, a refused address) */
  error?: string;
  /** the error itself, for the caller to classify by code */
  cause?: unknown;
  durationMs: number;
}

/** the response body is read (and dropped) up to this much: receivers answer with a short text at most */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST of a webhook with node:http / node:https. Never rejects: every failure is an outcome the delivery log
 * records. Redirects are not followed (a 3xx is returned as it is, and the caller counts it as a failure: following
 * one would let a public URL bounce the alerter to a private address). No connection pooling: each attempt resolves
 * the host through `lookup` again.
 */
export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const t0 = performance.now();
  const client = request.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let status: number | undefined;
    let settled = false;
    const finish = (outcome: { error?: string; cause?: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const durationMs = Math.round((performance.now() - t0) * 10) / 10;
      resolve({ ...(status !== undefined ? { status } : {}), ...outcome, durationMs });
    };
    const req = client.request(
      request.url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: request.lookup,
        agent: false,
      },
      (res) => {
        status = res.statusCode;
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // the status is the answer; a receiver that keeps talking is cut off
          if (received > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('end', () => finish({}));
        // the status came back: a body cut short does not change it
        res.on('close', () => finish({}));
        res.on('error', () => finish({}));
      },
    );
    const timer = setTimeout(() => {
      if (status !== undefined) finish({});
      else finish({ error: `no response within ${request.timeoutMs} ms` });
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error) => finish({ error: describeError(error), cause: error }));
    req.end(request.body);
  });
}
