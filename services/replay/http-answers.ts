import type { IncomingMessage, ServerResponse } from 'node:http';
import { exceptionReportXml, type OwsException } from './exception-report.js';

/** Whether an If-None-Match header names this ETag (a list, weak validators and `*` included). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * Send bytes with their validators, or a bodiless 304 when the client already holds them. HEAD gets the
 * same headers and no body. Returns the status sent.
 */
export function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Buffer,
  headers: { contentType: string; etag: string; extra?: Record<string, string> },
): 200 | 304 {
  const common: Record<string, string> = {
    ETag: headers.etag,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'ETag, Layer-Time-Actual',
    ...headers.extra,
  };
  if (etagMatches(req.headers['if-none-match'], headers.etag)) {
    res.writeHead(304, common).end();
    return 304;
  }
  res.writeHead(200, { ...common, 'Content-Type': headers.contentType, 'Content-Length': String(bytes.length) });
  res.end(req.method === 'HEAD' ? undefined : bytes);
  return 200;
}

export function sendExceptionReport(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  exceptions: readonly OwsException[],
): void {
  const body = Buffer.from(exceptionReportXml(exceptions), 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': String(body.length),
    'Access-Control-Allow-Origin': '*',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.length),
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Announce the whole body in Content-Length, send the first half, then drop the connection: the client sees
 * a premature close mid-body, as with a proxy or server dying during a transfer.
 */
export function sendTruncated(
  res: ServerResponse,
  bytes: Buffer,
  headers: { contentType: string; etag: string; extra?: Record<string, string> },
): void {
  res.writeHead(200, {
    ETag: headers.etag,
    ...headers.extra,
    'Content-Type': headers.contentType,
    'Content-Length': String(bytes.length),
  });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}
