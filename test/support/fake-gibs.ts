import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseTilePath } from '../../shared/gibs/index.js';

/** Per-tile misbehaviour, keyed by "z/row/col" (any date). */
export type TileOverride =
  | { kind: 'status'; status: number }
  | { kind: 'body'; contentType: string; body: Buffer }
  | { kind: 'hang' };

export interface FakeGibs {
  url: string;
  tileRequests: number;
  capabilityRequests: number;
  /** 304 answers */
  notModified: number;
  override(tile: string, behaviour: TileOverride | undefined): void;
  /** changes every ETag (as after a GIBS re-deploy) without changing bytes */
  etagSalt: string;
  /** serve one of the two real tiles for every tile of every layer (no blanks), for exactly-once counts */
  realEverywhere: boolean;
  /** wait this long before answering a tile request */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * A small GIBS for the harvester's unit tests: the real 2017 capabilities, the two real 2016-01-24 MODIS
 * tiles (250m/5/5/10 and 11), the real blank JPEG everywhere else, ETag/304, and scripted failures per tile.
 */
export async function startFakeGibs(dataDir: string): Promise<FakeGibs> {
  const caps = await readFile(path.join(dataDir, 'gibs/capabilities/epsg4326_best_WMTSCapabilities_2017-04-24.xml'));
  const blank = await readFile(path.join(dataDir, 'gibs/blank/Blank_RGB_512.jpg'));
  const realDir = path.join(dataDir, 'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5');
  const real = new Map([
    ['5/5/10', await readFile(path.join(realDir, '10.jpg'))],
    ['5/5/11', await readFile(path.join(realDir, '11.jpg'))],
  ]);
  const overrides = new Map<string, TileOverride>();
  const sockets = new Set<import('node:net').Socket>();
  const state = { tileRequests: 0, capabilityRequests: 0, notModified: 0, etagSalt: '', realEverywhere: false, delayMs: 0 };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname.endsWith('/WMTSCapabilities.xml')) {
      state.capabilityRequests++;
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': caps.length }).end(caps);
      return;
    }
    const tile = parseTilePath(pathname);
    if (!tile) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('not a tile path');
      return;
    }
    state.tileRequests++;
    const where = `${tile.z}/${tile.row}/${tile.col}`;
    const override = overrides.get(where);
    if (override?.kind === 'hang') return;
    if (override?.kind === 'status') {
      res.writeHead(override.status, { 'content-type': 'text/plain', 'retry-after': '0' }).end(`scripted ${override.status}`);
      return;
    }
    if (override?.kind === 'body') {
      res.writeHead(200, { 'content-type': override.contentType, 'content-length': override.body.length }).end(override.body);
      return;
    }
    const bytes = state.realEverywhere
      ? real.get(tile.col % 2 === 0 ? '5/5/10' : '5/5/11')!
      : tile.layer === 'MODIS_Terra_CorrectedReflectance_TrueColor' && tile.time === '2016-01-24' && tile.tms === '250m'
        ? (real.get(where) ?? blank)
        : blank;
    const etag = `"${createHash('sha256').update(bytes).update(state.etagSalt).digest('hex').slice(0, 20)}"`;
    if (req.headers['if-none-match'] === etag) {
      state.notModified++;
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length, etag, 'layer-time-actual': `${tile.time}T00:00:00Z` }).end(bytes);
  };
  const server = http.createServer((req, res) => {
    const isTile = !(req.url ?? '').endsWith('/WMTSCapabilities.xml');
    if (isTile && state.delayMs > 0) setTimeout(() => answer(req, res), state.delayMs);
    else answer(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.defineProperties(
    {
      url: `http://127.0.0.1:${port}`,
      override: (where: string, behaviour: TileOverride | undefined) => {
        if (behaviour) overrides.set(where, behaviour);
        else overrides.delete(where);
      },
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    },
    {
      tileRequests: { get: () => state.tileRequests, enumerable: true },
      capabilityRequests: { get: () => state.capabilityRequests, enumerable: true },
      notModified: { get: () => state.notModified, enumerable: true },
      etagSalt: { get: () => state.etagSalt, set: (v: string) => void (state.etagSalt = v), enumerable: true },
      realEverywhere: { get: () => state.realEverywhere, set: (v: boolean) => void (state.realEverywhere = v), enumerable: true },
      delayMs: { get: () => state.delayMs, set: (v: number) => void (state.delayMs = v), enumerable: true },
    },
  ) as FakeGibs;
}
