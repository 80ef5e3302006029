import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { kit, repositoryRoot } from './data-kit.js';

/** The repo root (folder holding package.json) and the data kit beside it. */
export const repoRoot = repositoryRoot();
export const dataDir = kit();

export type RawOutcome =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer }
  /** the connection died before any response byte */
  | { kind: 'reset'; code: string | undefined }
  /** headers arrived, then the body stopped short of Content-Length */
  | { kind: 'truncated'; status: number; received: number; announced: number };

/**
 * One request with node:http, classifying connection failures instead of throwing, so fault tests can count
 * what a client really sees.
 */
export function rawRequest(
  url: string,
  options: { agent?: Agent; method?: string; headers?: Record<string, string> } = {},
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent: options.agent, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        const announced = Number(res.headers['content-length'] ?? NaN);
        let settled = false;
        const truncated = (): void => {
          if (settled) return;
          settled = true;
          resolve({
            kind: 'truncated',
            status: res.statusCode ?? 0,
            received: Buffer.concat(chunks).length,
            announced,
          });
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('aborted', truncated);
        res.on('error', truncated);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const body = Buffer.concat(chunks);
          // HEAD and 304 announce the length of a body they never carry.
          const bodiless = (options.method ?? 'GET') === 'HEAD' || res.statusCode === 304;
          if (!bodiless && Number.isFinite(announced) && body.length < announced) {
            resolve({ kind: 'truncated', status: res.statusCode ?? 0, received: body.length, announced });
          } else {
            resolve({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body });
          }
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ kind: 'reset', code: error.code });
      else reject(error);
    });
    req.end();
  });
}

/** A response, or a failed assertion naming what came instead. */
export async function get(
  url: string,
  options: Parameters<typeof rawRequest>[1] = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const outcome = await rawRequest(url, options);
  if (outcome.kind !== 'response') throw new Error(`expected a response from ${url}, got ${JSON.stringify(outcome)}`);
  return outcome;
}
