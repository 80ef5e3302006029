/// <reference lib="dom" />
import { byId, control } from './dom.js';

const STORAGE_KEY = 'gibs-embed.api-key';
const KEY_SHAPE = /^gek_[A-Za-z0-9_-]{43}$/;

/** The user closed the key dialog without giving a key: the write is abandoned, nothing to report. */
export class KeyCancelledError extends Error {
  constructor() {
    super('no API key given');
    this.name = 'KeyCancelledError';
  }
}

/**
 * The API key for writes. Asked for in a dialog the first time a write needs it and kept in sessionStorage, so
 * it lives as long as the tab and never lands on disk; forgotten when the API refuses it.
 */
export interface KeyPrompt {
  current(): string | null;
  /** the stored key, or one the user types now; rejects with KeyCancelledError */
  ensure(reason: string): Promise<string>;
  forget(): void;
  /** called after the key is set or forgotten */
  onChange(listener: () => void): void;
}

export function createKeyPrompt(): KeyPrompt {
  const dialog = byId('key-dialog', HTMLDialogElement);
  const form = byId('key-form', HTMLFormElement);
  const input = control(form, 'key', HTMLInputElement);
  const reasonText = byId('key-reason', HTMLElement);
  // The pattern attribute is compiled with the `v` flag, where a literal '-' in a class must be escaped.
  input.pattern = 'gek_[A-Za-z0-9_\\-]{43}';
  const listeners: (() => void)[] = [];
  const changed = (): void => listeners.forEach((listener) => listener());
  let pending: Promise<string> | null = null;

  const ask = (reason: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      reasonText.textContent = reason;
      input.value = '';
      dialog.addEventListener(
        'close',
        () => {
          const key = input.value.trim();
          input.value = '';
          if (dialog.returnValue !== 'ok' || !KEY_SHAPE.test(key)) return reject(new KeyCancelledError());
          sessionStorage.setItem(STORAGE_KEY, key);
          changed();
          resolve(key);
        },
        { once: true },
      );
      dialog.returnValue = '';
      dialog.showModal();
      input.focus();
    });

  return {
    current: () => sessionStorage.getItem(STORAGE_KEY),
    ensure(reason) {
      const stored = sessionStorage.getItem(STORAGE_KEY);
      if (stored !== null) return Promise.resolve(stored);
      // Two writes started together share one dialog.
      pending ??= ask(reason).finally(() => {
        pending = null;
      });
      return pending;
    },
    forget() {
      sessionStorage.removeItem(STORAGE_KEY);
      changed();
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
