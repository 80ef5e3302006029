import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AlertRecord, AlertStore } from '../../../shared/alerts/index.js';
import type { Logger } from '../../../shared/log/index.js';
import { toAlertJson } from './alert-view.js';

export interface AlertStreamOptions {
  /** how often the store is asked for newer alerts (the alerter may be another process: the store is the truth) */
  pollMs: number;
  /** a `: ping` comment this often keeps proxies and idle timeouts from cutting a quiet stream */
  pingMs: number;
  /** alerts read per store call */
  batch: number;
  /** what the client's EventSource waits before reconnecting */
  retryMs: number;
}

export const defaultAlertStreamOptions: AlertStreamOptions = { pollMs: 250, pingMs: 15_000, batch: 200, retryMs: 2000 };

/** The HTTP headers of an alert stream (proxies must not buffer it: x-accel-buffering). */
export const ALERT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

/** One server-sent event per alert; the alert id is the event id, so a reconnect resumes after it. */
export function alertFrame(alert: AlertRecord): string {
  return `id: ${alert.id}\nevent: alert\ndata: ${JSON.stringify(toAlertJson(alert))}\n\n`;
}

/**
 * The live alert streams of one API instance. Each polls the alert store after its cursor (the last alert it
 * sent), so nothing recorded by any alerter process is missed and a client resuming with Last-Event-ID or
 * ?after= gets exactly the alerts it has not seen. `closeAll` ends every stream (app shutdown: an open stream
 * would otherwise hold the server open).
 */
export class AlertStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly alerts: AlertStore,
    private readonly log: Logger,
    private readonly options: AlertStreamOptions = defaultAlertStreamOptions,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * The id after which a stream without a cursor starts: the newest alert's, so a fresh client sees only alerts
   * from now on. The port lists oldest first, so this pages to the end (once per fresh connection).
   */
  async latestId(): Promise<string | undefined> {
    let after: string | undefined;
    for (;;) {
      const page = await this.alerts.listAlerts({ after, limit: 1000 });
      if (page.length === 0) return after;
      after = page[page.length - 1].id;
      if (page.length < 1000) return after;
    }
  }

  /** Streams alerts after `after` (undefined: from the beginning) into `res`, whose headers are already sent. */
  serve(res: ServerResponse, after: string | undefined): void {
    const controller = new AbortController();
    let cursor = after;
    let pollTimer: NodeJS.Timeout | undefined;
    const pingTimer = setInterval(() => res.write(': ping\n\n'), this.options.pingMs);
    const stop = (): void => {
      if (controller.signal.aborted) return;
      controller.abort();
      clearTimeout(pollTimer);
      clearInterval(pingTimer);
      this.open.delete(stop);
      if (!res.writableEnded) res.end();
    };
    this.open.add(stop);
    res.on('close', stop);
    res.on('error', (error) => {
      this.log.debug({ err: error }, 'alert stream: the connection failed');
      stop();
    });
    res.write(`retry: ${this.options.retryMs}\n\n`);

    const poll = async (): Promise<void> => {
      try {
        for (;;) {
          const page = await this.alerts.listAlerts({ after: cursor, limit: this.options.batch });
          for (const alert of page) {
            if (controller.signal.aborted) return;
            cursor = alert.id;
            if (!res.write(alertFrame(alert))) await once(res, 'drain', { signal: controller.signal });
          }
          if (page.length < this.options.batch) break;
        }
      } catch (error) {
        // an abort while waiting for 'drain' is the stream closing, not a failure
        if (controller.signal.aborted) return;
        // the client's EventSource reconnects with the last id it got: ending the stream loses nothing
        this.log.warn({ err: error, after: cursor }, 'alert stream: reading the alert store failed; ending the stream');
        stop();
        return;
      }
      if (!controller.signal.aborted) pollTimer = setTimeout(() => void poll(), this.options.pollMs);
    };
    void poll();
  }

  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}
