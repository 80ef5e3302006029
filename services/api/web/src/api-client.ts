/// <reference lib="dom" />
import type { KeyPrompt } from './key-prompt.js';

/** A 4xx/5xx from the API, with the API's error code (e.g. VALIDATION, INDEX_EMPTY) to branch on. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  /** `write`: the request needs a write key, asked for (with `reason`) if none is stored */
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, write?: { reason: string }): Promise<T>;
}

/** Talks to the API on the page's own origin (the server that served the page serves the API). */
export function createApiClient(keys: KeyPrompt): ApiClient {
  const origin = window.location.origin;

  async function request<T>(method: string, path: string, body: unknown, key: string | null): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(new URL(path, origin), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed: unknown = text.length > 0 && isJson(response) ? JSON.parse(text) : text;
    if (!response.ok) throw toApiError(response.status, parsed);
    return parsed as T;
  }

  return {
    get: (path) => request('GET', path, undefined, keys.current()),
    async send(method, path, body, write) {
      const key = write === undefined ? keys.current() : await keys.ensure(write.reason);
      try {
        return await request(method, path, body, key);
      } catch (error) {
        // A refused key is forgotten so the next write asks again instead of failing the same way.
        if (write !== undefined && error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          keys.forget();
        }
        throw error;
      }
    },
  };
}

function isJson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').includes('json');
}

function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null) {
    const { code, message } = body as { code?: unknown; message?: unknown };
    return new ApiError(
      status,
      typeof code === 'string' ? code : `HTTP_${status}`,
      typeof message === 'string' ? message : `HTTP ${status}`,
    );
  }
  return new ApiError(status, `HTTP_${status}`, typeof body === 'string' && body !== '' ? body : `HTTP ${status}`);
}
