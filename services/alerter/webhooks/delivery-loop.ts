import {
  WEBHOOK_ALERT_EVENT,
  WEBHOOK_HEADERS,
  signWebhook,
  type AlertStore,
  type Delivery,
  type DeliveryAttempt,
} from '../../../shared/alerts/index.js';
import { AbortedError, AppError, describeError, errorCodes } from '../../../shared/errors/index.js';
import { checkWebhookUrl, guardedLookup, ssrfErrorCodes } from '../../../shared/http/index.js';
import type { Logger } from '../../../shared/log/index.js';
import {
  backoffMs,
  retryUntilStopped,
  type RetryPolicy,
  type RetryUntilStoppedOptions,
} from '../../../shared/retry/index.js';
import type { AlerterMetrics } from '../alerter-metrics.js';
import { postWebhook, type WebhookResponse } from './post-webhook.js';
import { webhookBody } from './webhook-body.js';

export interface DeliveryLoopDeps {
  store: AlertStore;
  log: Logger;
  metrics?: AlerterMetrics;
  now?: () => Date;
}

export interface DeliveryLoopOptions {
  /** per attempt */
  timeoutMs: number;
  /** attempts after the first before a delivery is failed */
  retries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** deliver to loopback / private / link-local addresses too */
  allowPrivate: boolean;
  /** how often due deliveries are looked for when nothing wakes the loop (default 1000 ms) */
  pollMs?: number;
  /** deliveries claimed and sent at once (default 8) */
  concurrency?: number;
  /** the User-Agent receivers see */
  userAgent?: string;
}

export interface DeliveryLoop {
  start(): void;
  /** looks for due deliveries now (an alert was just recorded) */
  wake(): void;
  /** one pass: claims the due deliveries and attempts each; resolves with how many were attempted */
  runOnce(): Promise<number>;
  /** true while it runs */
  healthy(): boolean;
  /** finishes the attempts under way, then stops */
  stop(): Promise<void>;
}

/** why a delivery is given up at once, without retries: the URL itself is refused, and will stay refused */
const FINAL_CODES = new Set<string>([ssrfErrorCodes.webhookUrlRefused, errorCodes.validation]);

/**
 * The webhook deliverer: a loop over the store's due deliveries (rows, so they survive a restart; claimed with a
 * lease, so two alerters do not send one twice). Each attempt re-checks the URL (checkWebhookUrl; guardedLookup on
 * the connection against DNS rebinding), POSTs the signed Alert JSON and records the attempt: 2xx → delivered;
 * anything else → pending again after exponential backoff with jitter, until `retries` are spent → failed.
 */
export function createDeliveryLoop(deps: DeliveryLoopDeps, options: DeliveryLoopOptions): DeliveryLoop {
  const now = deps.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const policy: RetryPolicy = {
    retries: options.retries,
    initialMs: options.initialBackoffMs,
    maxMs: options.maxBackoffMs,
    factor: 2,
    jitter: 0.5,
  };
  const lookup = guardedLookup(options.allowPrivate);
  const stopping = new AbortController();
  const pause: RetryUntilStoppedOptions = {
    initialBackoffMs: Math.min(500, options.initialBackoffMs),
    maxBackoffMs: Math.min(30_000, options.maxBackoffMs),
    log: deps.log,
    service: 'alerter',
    onPause: (code) => deps.metrics?.pauses.inc({ code }),
    stopping: stopping.signal,
  };
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let running: Promise<void> | undefined;
  let failure: unknown;

  const record = async (
    delivery: Delivery,
    attempt: DeliveryAttempt,
    outcome: Parameters<AlertStore['recordAttempt']>[2],
  ) =>
    retryUntilStopped(
      'recording a delivery attempt',
      () => deps.store.recordAttempt(delivery.id, attempt, outcome),
      pause,
    );

  const attemptOne = async (delivery: Delivery): Promise<void> => {
    const at = now();
    const attemptNo = delivery.attempts.length + 1;
    const [alert, rule, secret] = await retryUntilStopped(
      "reading a delivery's alert and rule",
      () =>
        Promise.all([
          deps.store.getAlert(delivery.alertId),
          deps.store.getRule(delivery.ruleId),
          deps.store.webhookSecret(delivery.ruleId),
        ]),
      pause,
    );
    if (!alert || !rule || secret === undefined) {
      deps.metrics?.deliveries.inc({ outcome: 'failed' });
      const gone = { at: at.toISOString(), error: 'the rule or the alert no longer exists', durationMs: 0 };
      return record(delivery, gone, { state: 'failed' });
    }
    let response: WebhookResponse;
    try {
      const { url } = await checkWebhookUrl(delivery.url, { allowPrivate: options.allowPrivate });
      const body = JSON.stringify(webhookBody(alert, rule));
      const timestamp = Math.floor(at.getTime() / 1000);
      response = await postWebhook({
        url,
        body,
        timeoutMs: options.timeoutMs,
        lookup,
        headers: {
          'content-type': 'application/json',
          'user-agent': options.userAgent ?? 'gibs-embed-alerter',
          [WEBHOOK_HEADERS.event]: WEBHOOK_ALERT_EVENT,
          [WEBHOOK_HEADERS.delivery]: delivery.id,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
        },
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // the URL check failed: refused (final) or DNS trouble (an ordinary failed attempt)
      response = { error: describeError(error), cause: error, durationMs: 0 };
    }
    const attempt: DeliveryAttempt = {
      at: at.toISOString(),
      ...(response.status !== undefined ? { status: response.status } : {}),
      ...(response.error !== undefined ? { error: response.error } : {}),
      durationMs: response.durationMs,
    };
    const ok = response.status !== undefined && response.status >= 200 && response.status < 300;
    const refused = response.cause instanceof AppError && FINAL_CODES.has(response.cause.code);
    if (ok) {
      deps.metrics?.deliveries.inc({ outcome: 'delivered' });
      return record(delivery, attempt, { state: 'delivered' });
    }
    if (refused || attemptNo > options.retries) {
      deps.metrics?.deliveries.inc({ outcome: refused ? 'refused' : 'failed' });
      deps.log.warn(
        {
          delivery: delivery.id,
          rule: delivery.ruleId,
          attempts: attemptNo,
          status: response.status,
          err: response.error,
        },
        refused
          ? 'alerter: webhook URL refused; delivery failed'
          : 'alerter: webhook delivery failed after its retries',
      );
      return record(delivery, attempt, { state: 'failed' });
    }
    const delayMs = backoffMs(policy, attemptNo);
    deps.metrics?.deliveries.inc({ outcome: 'retry' });
    deps.log.info(
      { delivery: delivery.id, attempt: attemptNo, status: response.status, err: response.error, delayMs },
      'alerter: webhook attempt failed; will retry',
    );
    return record(delivery, attempt, { state: 'pending', nextAttemptAt: new Date(at.getTime() + delayMs) });
  };

  const runOnce = async (): Promise<number> => {
    const due = await retryUntilStopped(
      'reading due deliveries',
      () => deps.store.dueDeliveries(now(), concurrency),
      pause,
    );
    await Promise.all(due.map((delivery) => attemptOne(delivery)));
    return due.length;
  };

  const waitForWork = () =>
    new Promise<void>((resolve) => {
      if (woken || stopping.signal.aborted) return resolve();
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  const loop = async () => {
    while (!stopping.signal.aborted) {
      woken = false;
      const attempted = await runOnce();
      // a full pass may have left more due; otherwise wait for the next alert or the poll interval
      if (attempted < concurrency) await waitForWork();
    }
  };

  return {
    start() {
      if (running) return;
      running = loop().catch((error: unknown) => {
        if (error instanceof AbortedError && stopping.signal.aborted) return;
        failure = error;
        deps.log.error({ err: describeError(error) }, 'alerter: webhook delivery loop failed');
      });
    },
    wake() {
      woken = true;
      wakeUp?.();
    },
    runOnce,
    healthy: () => running !== undefined && !stopping.signal.aborted && failure === undefined,
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
