/// <reference lib="dom" />
import { ApiError } from './api-client.js';
import { byId } from './dom.js';
import { KeyCancelledError } from './key-prompt.js';

export interface StatusLine {
  info(text: string): void;
  /** shows what went wrong; a cancelled key dialog is not an error and shows nothing */
  error(what: string, error: unknown): void;
}

/**
 * The one place the page reports progress and failures. Nothing goes to the console: the page's tests treat any
 * console error as a failure, and users read the page, not the console.
 */
export function createStatusLine(): StatusLine {
  const line = byId('status', HTMLElement);
  let timer: number | undefined;
  const show = (text: string, kind: 'info' | 'error'): void => {
    window.clearTimeout(timer);
    line.textContent = text;
    line.className = `status ${kind}`;
    line.hidden = false;
    timer = window.setTimeout(() => (line.hidden = true), kind === 'error' ? 12_000 : 4_000);
  };
  return {
    info: (text) => show(text, 'info'),
    error(what, error) {
      if (error instanceof KeyCancelledError) return show(`${what}: cancelled (no API key)`, 'info');
      const detail =
        error instanceof ApiError
          ? `${error.message} (${error.code})`
          : error instanceof Error
            ? error.message
            : String(error);
      show(`${what} failed: ${detail}`, 'error');
    },
  };
}
