import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { AppError } from '../errors/index.js';
import { metricsErrorCodes } from './metrics-errors.js';

export interface HealthCheck {
  name: string;
  /** resolves when healthy; rejects (or resolves false) when not */
  check: () => Promise<boolean>;
}

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The small operations endpoint every process runs: `/metrics` (Prometheus text), `/healthz` (the process
 * is up) and `/readyz` (every check passes: bus reachable, store writable, ...). Kept off the public API
 * port so scraping and probes never compete with users.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  registry: Registry;
  checks?: HealthCheck[];
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    void handle(req.url ?? '/', res);
  });

  async function handle(url: string, res: http.ServerResponse): Promise<void> {
    const pathname = url.split('?')[0];
    if (pathname === '/metrics') {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
    } else if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (pathname === '/readyz') {
      const results = await Promise.all(
        (options.checks ?? []).map(async (c) => ({ name: c.name, ok: await c.check().catch(() => false) })),
      );
      const ok = results.every((r) => r.ok);
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks: results }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new AppError(
          metricsErrorCodes.opsListen,
          `ops server cannot listen on ${options.host}:${options.port}: ${error.message}`,
          {
            retriable: error.code === 'EADDRINUSE',
            cause: error,
          },
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
