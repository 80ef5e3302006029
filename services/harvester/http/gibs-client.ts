import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { AbortedError, AppError, ValidationError } from '../../../shared/errors/index.js';
import { GIBS_DEFAULT_CONCURRENCY, GIBS_MAX_CONCURRENCY, GIBS_MAX_MBPS } from '../../../shared/gibs/index.js';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../../../shared/retry/index.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { errorForNetwork, errorForStatus, HttpError, retryAfterOf } from '../../../shared/http/http-error.js';
import { parseRetryAfter } from '../../../shared/http/retry-after.js';
import { TokenBucket } from './token-bucket.js';
import { gibsClientErrorCodes } from './gibs-client-errors.js';

export interface GibsClientOptions {
  /** e.g. https://gibs.earthdata.nasa.gov; relative URLs passed to fetch* resolve against it */
  baseUrl: string;
  /** identify yourself, e.g. `userAgent('0.1.0', 'ops@example.org')` */
  userAgent: string;
  /** requests (and sockets) in flight at once; 1..GIBS_MAX_CONCURRENCY (32), default 8 */
  concurrency?: number;
  /** wall-clock limit of one attempt, headers and body together; default 30 s */
  timeoutMs?: number;
  /** bandwidth cap shared by all requests, in megabits/s: (0, 50], default 50; 'unlimited' only against a loopback server (tests, benchmarks) */
  maxMbps?: number | 'unlimited';
  /** backoff for retriable failures (429, 5xx, resets, timeouts, truncated bodies) */
  retry?: RetryPolicy;
  /** a body larger than this is refused (non-retriable); default 64 MiB */
  maxResponseBytes?: number;
}

export interface FetchOptions {
  /** the ETag of the copy we hold: a 304 answer becomes { status: 'not-modified' } */
  etag?: string;
  signal?: AbortSignal;
  /** called before each backoff wait; for logs and metrics */
  onRetry?: (error: AppError, attempt: number, delayMs: number) => void;
}

type Exchange =
  | { status: 'ok'; url: string; bytes: Uint8Array; contentType: string; etag?: string; layerTimeActual?: string }
  | { status: 'not-modified'; url: string; etag?: string };

/** What a fetch brought back; `attempts` counts the tries it took (1 = no retry). */
export type TileFetch = Exchange & { attempts: number };

/** The conventional User-Agent: `gibs-embed/<version> (+<contact>)`. */
export function userAgent(version: string, contact?: string): string {
  return contact ? `gibs-embed/${version} (+${contact})` : `gibs-embed/${version}`;
}

/**
 * The GIBS HTTP adapter: keep-alive sockets (one per concurrency slot), bounded concurrency, a per-attempt
 * deadline, a process-wide bandwidth cap and retries with backoff through shared/retry. Every failure
 * leaves as an AppError: 404 → DATE_OUT_OF_RANGE and 400 → BAD_REQUEST (never retried); 429, 5xx, resets,
 * timeouts and truncated bodies are retriable HttpErrors carrying Retry-After; when the retries run out
 * the caller gets RetriesExhaustedError with the last failure as `cause`.
 */
export class GibsClient {
  readonly baseUrl: string;
  readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly maxResponseBytes: number;
  private readonly limiter: ConcurrencyLimiter;
  private readonly bucket: TokenBucket | undefined;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly http: AxiosInstance;
  private closed = false;

  constructor(options: GibsClientOptions) {
    const base = parseBaseUrl(options.baseUrl);
    this.baseUrl = base.href.replace(/\/$/, '');
    if (typeof options.userAgent !== 'string' || options.userAgent.trim() === '') {
      throw new ValidationError(
        'gibs userAgent must name the client and a contact, e.g. "gibs-embed/0.1 (+ops@example.org)"',
      );
    }
    this.concurrency = options.concurrency ?? GIBS_DEFAULT_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > GIBS_MAX_CONCURRENCY) {
      throw new ValidationError(
        `gibs concurrency ${this.concurrency} is not allowed: use an integer from 1 to ${GIBS_MAX_CONCURRENCY} (GIBS asks clients to stay far below 500 connections)`,
      );
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0)) throw new ValidationError(`gibs timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.retry = options.retry ?? defaultRetryPolicy;
    const mbps = options.maxMbps ?? GIBS_MAX_MBPS;
    if (mbps === 'unlimited') {
      if (!isLoopback(base.hostname)) {
        throw new ValidationError(
          `maxMbps 'unlimited' is only allowed against a loopback server, not ${base.hostname}; use at most ${GIBS_MAX_MBPS}`,
        );
      }
      this.bucket = undefined;
    } else {
      if (!(mbps > 0) || mbps > GIBS_MAX_MBPS)
        throw new ValidationError(`gibs maxMbps ${mbps} is not allowed: use a number in (0, ${GIBS_MAX_MBPS}]`);
      const bytesPerSecond = (mbps * 1_000_000) / 8;
      // A quarter second of burst keeps short-term peaks close to the cap.
      this.bucket = new TokenBucket({ ratePerSecond: bytesPerSecond, burst: bytesPerSecond / 4 });
    }
    this.limiter = new ConcurrencyLimiter(this.concurrency);
    const agentOptions = { keepAlive: true, maxSockets: this.concurrency, maxFreeSockets: this.concurrency };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      responseType: 'stream',
      // Statuses are classified here, not by axios; bodies are not decompressed so Content-Length is checkable.
      validateStatus: () => true,
      decompress: false,
      maxRedirects: 3,
      headers: { 'User-Agent': options.userAgent, 'Accept-Encoding': 'identity' },
    });
  }

  /** Fetches a tile (or any binary resource): bytes and headers, or not-modified when `etag` still matches. */
  async fetchTile(url: string, options: FetchOptions = {}): Promise<TileFetch> {
    const target = this.resolve(url);
    return withRetry(
      async (attempt) => {
        const result = await this.attempt(target, options.etag, options.signal);
        return { ...result, attempts: attempt } satisfies TileFetch;
      },
      this.retry,
      { signal: options.signal, onRetry: options.onRetry, retryAfterMs: retryAfterOf },
    );
  }

  /** Fetches a text document such as WMTSCapabilities.xml. */
  async fetchText(url: string, options: Omit<FetchOptions, 'etag'> = {}): Promise<string> {
    const result = await this.fetchTile(url, options);
    if (result.status !== 'ok')
      throw new AppError(
        gibsClientErrorCodes.unexpectedNotModified,
        `304 without a conditional request for ${result.url}`,
        {
          retriable: false,
        },
      );
    return Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength).toString('utf8');
  }

  /** Frees the keep-alive sockets; later fetches fail with 'GIBS_CLIENT_CLOSED'. */
  async close(): Promise<void> {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private resolve(url: string): string {
    if (this.closed) throw new AppError(gibsClientErrorCodes.closed, 'the GIBS client is closed', { retriable: false });
    return new URL(url, `${this.baseUrl}/`).href;
  }

  private attempt(url: string, etag: string | undefined, signal: AbortSignal | undefined): Promise<Exchange> {
    return this.limiter.run(async () => {
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeoutMs);
      const onAbort = () => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const response = await this.http.get<Readable>(url, {
          signal: controller.signal,
          headers: etag ? { 'If-None-Match': etag } : {},
        });
        return await this.interpret(url, response, controller.signal);
      } catch (error) {
        if (signal?.aborted) throw new AbortedError(`request to ${url} aborted`);
        if (timedOut)
          throw new HttpError(gibsClientErrorCodes.timeout, `request to ${url} took longer than ${this.timeoutMs} ms`, {
            retriable: true,
            status: 0,
            url,
            cause: error,
          });
        if (error instanceof AppError) throw error;
        throw errorForNetwork(error, url);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    }, signal);
  }

  private async interpret(url: string, response: AxiosResponse<Readable>, signal: AbortSignal): Promise<Exchange> {
    const etag = header(response, 'etag');
    if (response.status === 200) {
      const bytes = await this.readBody(url, response, signal);
      return {
        status: 'ok',
        url,
        bytes,
        contentType: header(response, 'content-type') ?? '',
        etag,
        layerTimeActual: header(response, 'layer-time-actual'),
      };
    }
    // Read (a bounded amount of) every error body so the keep-alive socket can be reused.
    const detail = await readSnippet(response.data);
    if (response.status === 304) return { status: 'not-modified', url, etag: etag ?? undefined };
    throw errorForStatus(response.status, url, detail, parseRetryAfter(header(response, 'retry-after')));
  }

  private async readBody(url: string, response: AxiosResponse<Readable>, signal: AbortSignal): Promise<Uint8Array> {
    const declared = header(response, 'content-length');
    const expected = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
    if (expected !== undefined && expected > this.maxResponseBytes) {
      response.data.destroy();
      throw new HttpError(
        gibsClientErrorCodes.tooLarge,
        `${url} declares ${expected} bytes; the limit is ${this.maxResponseBytes}`,
        {
          retriable: false,
          status: 200,
          url,
        },
      );
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.data) {
        const buffer = chunk as Buffer;
        chunks.push(buffer);
        total += buffer.byteLength;
        if (total > this.maxResponseBytes) {
          response.data.destroy();
          throw new HttpError(gibsClientErrorCodes.tooLarge, `${url} sent more than ${this.maxResponseBytes} bytes`, {
            retriable: false,
            status: 200,
            url,
          });
        }
        // Waiting here stops reading the socket, so TCP flow control slows the sender to the cap.
        if (this.bucket) await this.bucket.take(buffer.byteLength, signal);
      }
    } catch (error) {
      if (error instanceof AppError || signal.aborted) throw error;
      // The status line arrived and the body broke off (Node reports a reset): a truncated body, retried.
      throw new HttpError(
        gibsClientErrorCodes.truncated,
        `${url} broke off after ${total} of ${expected ?? 'unknown'} bytes`,
        {
          retriable: true,
          status: 200,
          url,
          cause: error,
        },
      );
    }
    if (expected !== undefined && total !== expected) {
      throw new HttpError(gibsClientErrorCodes.truncated, `${url} sent ${total} of ${expected} bytes`, {
        retriable: true,
        status: 200,
        url,
      });
    }
    const body = Buffer.concat(chunks, total);
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }
}

function header(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : String(value);
}

async function readSnippet(stream: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    if (total < 512) chunks.push(buffer);
    total += buffer.byteLength;
    if (total > limit) {
      stream.destroy(); // a huge error page is not worth reading; lose the socket instead
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(512, total)).replace(/\s+/g, ' ').trim();
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new ValidationError(`gibs baseUrl "${value}" is not a URL; expected e.g. https://gibs.earthdata.nasa.gov`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`gibs baseUrl "${value}" must be http(s)`);
  }
  return url;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}
