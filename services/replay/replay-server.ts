import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, describeError } from '../../shared/errors/index.js';
import { silentLogger, type Logger } from '../../shared/log/index.js';
import { createFaultPlan, type FaultPlan } from './fault-plan.js';
import { sendBytes, sendExceptionReport, sendText, sendTruncated } from './http-answers.js';
import { loadReplayData, type ReplayData } from './load-replay-data.js';
import { createRealTileReader } from './real-tiles.js';
import type { FaultKind, ReplayOptions, ReplayServer, ReplayStats } from './replay-types.js';
import { mulberry32 } from '../../shared/random/index.js';
import { createTileFaults, resizeTile, saltEtag, sendStatus } from './tile-faults.js';
import { createEtagger, resolveTile, type ResolverSources, type TileRequest } from './tile-resolver.js';
import { replayErrorCodes } from './replay-errors.js';
import { createTileRepeater } from './repeat-tiles.js';

const ENDPOINT = '/wmts/epsg4326/best/';
const CAPABILITIES_PATHS = new Set([`${ENDPOINT}1.0.0/WMTSCapabilities.xml`, `${ENDPOINT}WMTSCapabilities.xml`]);

function newStats(): ReplayStats {
  return {
    requests: 0,
    tileRequests: 0,
    tiles: 0,
    blanks: 0,
    notModified: 0,
    errors: 0,
    faults: 0,
    faultsByKind: { reset: 0, error500: 0, error503: 0, rateLimit: 0, truncate: 0, wrongSize: 0 },
    scriptedFaults: 0,
    repeated: 0,
  };
}

/** Marks an answer that repeats imagery of another position (ReplayOptions.repeatRealTiles). */
const REPEATED_HEADER = 'X-Replay-Repeated';

/**
 * Split `{Layer}/{Style}/{Time}/{TMS}/{z}/{row}/{col}.{ext}` (or the time-less form without {Time}) into
 * raw segments; the resolver judges each one so errors name the parameter as OnEarth's do. A different
 * depth is not a tile path.
 */
function splitTilePath(rest: string): TileRequest | undefined {
  let segments: string[];
  try {
    segments = rest.split('/').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed %-escape cannot name a layer; the caller answers LAYER does not exist
  }
  if (segments.length !== 6 && segments.length !== 7) return undefined;
  const last = segments[segments.length - 1];
  const dot = last.indexOf('.');
  const col = dot < 0 ? last : last.slice(0, dot);
  const ext = dot < 0 ? '' : last.slice(dot);
  const [layer, style] = segments;
  const [tms, z, row] = segments.slice(-4, -1);
  return { layer, style, time: segments.length === 7 ? segments[2] : undefined, tms, z, row, col, ext };
}

/** KVP GetCapabilities (wmts.cgi?SERVICE=WMTS&REQUEST=GetCapabilities); KVP keys are case-insensitive. */
function isKvpGetCapabilities(url: URL): boolean {
  for (const [key, value] of url.searchParams) {
    if (key.toLowerCase() === 'request') return value.toLowerCase() === 'getcapabilities';
  }
  return false;
}

/**
 * Start a local GIBS: the real EPSG:4326 capabilities and tiles of the data kit, pyramids cut from its
 * global mosaics, GIBS's error semantics, and optional seeded fault injection. Logs one line with the URL.
 */
export async function startReplayServer(options: ReplayOptions): Promise<ReplayServer> {
  const logger: Logger = options.logger ?? silentLogger();
  const startedAt = performance.now();
  const plan: FaultPlan = createFaultPlan(options.faults ?? {}, mulberry32(options.seed ?? 1));
  const data: ReplayData = await loadReplayData(options.dataDir, logger, options.dateAliases);
  if (options.pregenerate) {
    await Promise.all([...data.layers.values()].flatMap((l) => [...l.mosaics.values()].map((p) => p.build())));
  }
  const readRealTile = createRealTileReader();
  const sources: ResolverSources = {
    layers: data.layers,
    blankJpeg: data.blankJpeg,
    blankPng: data.blankPng,
    readRealTile,
    repeatTile: options.repeatRealTiles === true ? createTileRepeater(readRealTile) : undefined,
  };
  const etagOf = createEtagger();
  const capabilitiesEtag = etagOf(data.capabilitiesXml);
  const stats = newStats();
  const tileFaults = createTileFaults();
  let etagSalt = '';

  const countFault = (kind: FaultKind): void => {
    stats.faults++;
    stats.faultsByKind[kind]++;
  };

  /** Injects the drawn fault, or returns false when this request is answered normally. */
  const injectFault = (fault: FaultKind | undefined, req: IncomingMessage, res: ServerResponse): boolean => {
    if (fault === undefined || fault === 'truncate' || fault === 'wrongSize') return false;
    countFault(fault);
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
    } else if (fault === 'error500') {
      sendText(req, res, 500, 'Internal Server Error');
    } else if (fault === 'error503') {
      sendText(req, res, 503, 'Service Unavailable', { 'Retry-After': String(plan.retryAfterSeconds) });
    } else {
      sendText(req, res, 429, 'Too Many Requests', { 'Retry-After': String(plan.retryAfterSeconds) });
    }
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      stats.errors++;
      sendText(req, res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://replay.invalid');
    const isCapabilities =
      CAPABILITIES_PATHS.has(url.pathname) || (url.pathname === `${ENDPOINT}wmts.cgi` && isKvpGetCapabilities(url));
    const isTile = !isCapabilities && url.pathname.startsWith(ENDPOINT);
    if (!isCapabilities && !isTile) {
      stats.errors++;
      sendText(req, res, 404, 'Not Found');
      return;
    }
    if (isTile) stats.tileRequests++;
    // Draw synchronously on arrival, so the fault sequence follows request order and a seed replays it.
    const fault = isTile || plan.includeCapabilities ? plan.next() : undefined;
    if (plan.latencyMs > 0 && (isTile || plan.includeCapabilities))
      await new Promise((r) => setTimeout(r, plan.latencyMs));
    if (injectFault(fault, req, res)) return;

    if (isCapabilities) {
      const status = sendBytes(req, res, data.capabilitiesXml, { contentType: 'text/xml', etag: capabilitiesEtag });
      if (status === 304) stats.notModified++;
      return;
    }
    const request = splitTilePath(url.pathname.slice(ENDPOINT.length));
    const scripted = request && tileFaults.get(request.z, request.row, request.col);
    if (scripted) stats.scriptedFaults++;
    if (scripted && scripted.kind === 'hang') return; // close() ends it (closeAllConnections)
    if (scripted && scripted.kind === 'status') {
      sendStatus(res, scripted.status, req.method);
      return;
    }
    if (scripted && scripted.kind === 'body') {
      sendBytes(req, res, scripted.body, { contentType: scripted.contentType, etag: etagOf(scripted.body) });
      return;
    }
    const answer = request
      ? await resolveTile(request, sources, etagOf)
      : ({
          kind: 'error',
          status: 400,
          exceptions: [{ status: 400, code: 'InvalidParameterValue', locator: 'LAYER', text: 'LAYER does not exist' }],
        } as const);
    if (answer.kind === 'error') {
      stats.errors++;
      sendExceptionReport(req, res, answer.status, answer.exceptions);
      return;
    }
    const side = plan.wrongSizePx;
    const resize =
      scripted?.kind === 'wrong-size' ? scripted : fault === 'wrongSize' ? { width: side, height: side } : undefined;
    if (fault === 'wrongSize') countFault('wrongSize');
    const bytes = resize
      ? await resizeTile(answer.bytes, answer.contentType, resize.width, resize.height)
      : answer.bytes;
    const headers = {
      contentType: answer.contentType,
      etag: resize ? etagOf(bytes) : saltEtag(answer.etag, etagSalt),
      extra: {
        ...(answer.layerTimeActual ? { 'Layer-Time-Actual': answer.layerTimeActual } : {}),
        ...(answer.repeated ? { [REPEATED_HEADER]: '1' } : {}),
      },
    };
    if (fault === 'truncate' && req.method === 'GET' && req.headers['if-none-match'] === undefined) {
      countFault('truncate');
      sendTruncated(res, bytes, headers);
      return;
    }
    const status = sendBytes(req, res, bytes, headers);
    if (status === 304) stats.notModified++;
    else if (resize)
      return; // counted as a fault, not as imagery
    else if (answer.blank) stats.blanks++;
    else {
      stats.tiles++;
      if (answer.repeated) stats.repeated++;
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, `replay: request failed: ${describeError(error)}`);
      if (!res.headersSent) sendText(req, res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const fail = (cause: Error): void =>
      reject(
        new AppError(
          replayErrorCodes.listenFailed,
          `replay server cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${cause.message}`,
          { retriable: false, cause },
        ),
      );
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  logger.info({ url, startMs: Math.round(performance.now() - startedAt) }, `GIBS replay server listening on ${url}`);

  return {
    url,
    port,
    catalog: data.catalog,
    stats: () => structuredClone(stats),
    faultTile: (tile, fault) => tileFaults.set(tile, fault),
    changeEtags: (salt) => {
      etagSalt = salt;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
