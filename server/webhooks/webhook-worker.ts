/**
 * The webhook delivery worker (docs/architecture.md §9): claims due events of the outbox (in any
 * process sharing the database), POSTs each signed with a timeout, and records the attempt: a 2xx
 * is delivered, anything else (another status, a redirect, a network error, the timeout) is tried
 * again after an exponential, jittered wait, until the last attempt marks it failed. Each attempt
 * is logged with its status and duration; never the secret, the URL or the body.
 */
import { randomUUID } from 'node:crypto';
import { WEBHOOK_HEADERS } from '../../protocol/schemas/webhooks.ts';
import type { Logger } from '../lib/logger.ts';
import type {
  WebhookAttemptOutcome,
  WebhookEvent,
  WebhookOutbox,
} from '../store/webhook-outbox.ts';
import { retryDelay, signWebhook, webhookBody } from './sign-webhook.ts';

export interface WebhookWorkerOptions {
  /** `CHORUS_WEBHOOK_URL`. */
  url: string;
  /** `CHORUS_WEBHOOK_SECRET`: keys the signature, never sent nor logged. */
  secret: string;
  /** This process's name on the leases it takes. */
  instanceId: string;
  /** How long one POST may take before it counts as failed. */
  timeoutMs: number;
  /** Attempts before an event is marked failed. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** How often due retries are looked for (new events wake the worker at once through NOTIFY). */
  pollIntervalMs: number;
  /** POSTs in flight at once from this process. */
  maxConcurrent: number;
  /** Delivered and failed events are deleted after this long. */
  retentionMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS = {
  timeoutMs: 10_000,
  maxAttempts: 16,
  retryBaseDelayMs: 2_000,
  retryMaxDelayMs: 3_600_000,
  pollIntervalMs: 1_000,
  maxConcurrent: 8,
  retentionMs: 7 * 24 * 3_600_000,
} satisfies Partial<WebhookWorkerOptions>;

/** A lease outlasts the POST's timeout by this much, so a live worker always records first. */
const LEASE_MARGIN_MS = 5_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Starts a worker delivering to `settings` (`CHORUS_WEBHOOK_URL`…), or none when webhooks are off.
 * @example const webhooks = await startWebhookWorker(config.webhooks, { outbox: store.webhooks, log });
 */
export async function startWebhookWorker(
  settings: Pick<WebhookWorkerOptions, 'url' | 'secret' | 'timeoutMs' | 'maxAttempts'> | null,
  deps: WebhookWorkerDependencies,
): Promise<WebhookWorker | null> {
  if (!settings) return null;
  const worker = new WebhookWorker(deps, {
    ...settings,
    instanceId: `chorus-webhooks-${randomUUID().slice(0, 8)}`,
  });
  await worker.start();
  return worker;
}

export interface WebhookWorkerDependencies {
  outbox: Pick<
    WebhookOutbox,
    'claimEvents' | 'recordAttempt' | 'releaseEvent' | 'pruneEvents' | 'onEventsQueued'
  >;
  log: Logger;
  /** Told each delivery attempt's outcome (the `chorus_webhook_attempts_total` metric). */
  onAttempt?(attempt: { type: string; result: WebhookAttemptOutcome['result'] }): void;
}

export class WebhookWorker {
  private readonly options: WebhookWorkerOptions;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private claiming: Promise<void> | null = null;
  private claimAgain = false;

  constructor(
    private readonly deps: WebhookWorkerDependencies,
    options: Pick<WebhookWorkerOptions, 'url' | 'secret' | 'instanceId'> &
      Partial<WebhookWorkerOptions>,
  ) {
    this.options = { ...DEFAULT_WEBHOOK_OPTIONS, ...options };
  }

  private get leaseMs(): number {
    return this.options.timeoutMs + LEASE_MARGIN_MS;
  }

  /** Listens for new events, looks for due ones now and every poll interval, prunes old ones hourly. */
  async start(): Promise<void> {
    this.unlisten = await this.deps.outbox.onEventsQueued(() => this.wake());
    this.timers = [
      setInterval(() => this.wake(), this.options.pollIntervalMs),
      setInterval(() => void this.prune(), PRUNE_INTERVAL_MS),
    ];
    void this.prune();
    this.wake();
  }

  /**
   * Stops claiming and cuts the POSTs in flight: their events are given back, due at once for the
   * next worker (the receiver may have had them: at least once).
   */
  async close(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearInterval(timer);
    await this.unlisten?.().catch(() => {});
    await this.claiming;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims what is due, up to the free delivery slots; coalesces wake-ups that come meanwhile. */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim()
      .catch((error: unknown) => this.deps.log('warn', 'webhook.claim_failed', { error }))
      .finally(() => {
        this.claiming = null;
      });
  }

  private async claim(): Promise<void> {
    do {
      this.claimAgain = false;
      const free = this.options.maxConcurrent - this.inFlight.size;
      if (free <= 0) return;
      const events = await this.deps.outbox.claimEvents({
        owner: this.options.instanceId,
        leaseMs: this.leaseMs,
        limit: free,
      });
      for (const event of events) this.track(event);
      if (events.length === free) this.claimAgain = true;
    } while (this.claimAgain && !this.stopping.signal.aborted);
  }

  private track(event: WebhookEvent): void {
    const done: Promise<void> = this.deliver(event)
      .catch((error: unknown) =>
        this.deps.log('error', 'webhook.record_failed', { eventId: event.id, error }),
      )
      .finally(() => {
        this.inFlight.delete(done);
        this.wake();
      });
    this.inFlight.add(done);
  }

  private async deliver(event: WebhookEvent): Promise<void> {
    const { outbox, log } = this.deps;
    const { instanceId, timeoutMs } = this.options;
    if (this.stopping.signal.aborted) {
      await outbox.releaseEvent(event.id, instanceId);
      return;
    }
    const body = webhookBody(event);
    const started = performance.now();
    let statusCode: number | null = null;
    let error = '';
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Chorus-Webhooks/1',
          [WEBHOOK_HEADERS.id]: event.id,
          [WEBHOOK_HEADERS.type]: event.type,
          [WEBHOOK_HEADERS.signature]: signWebhook(
            this.options.secret,
            body,
            Math.floor(Date.now() / 1000),
          ),
        },
        body,
        redirect: 'manual', // a redirect is not a delivery, and is not followed elsewhere
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(timeoutMs)]),
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => {}); // what the receiver says is not kept
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (failure) {
      if (this.stopping.signal.aborted) {
        await outbox.releaseEvent(event.id, instanceId);
        log('info', 'webhook.released', { eventId: event.id, type: event.type });
        return;
      }
      error = describeFailure(failure, timeoutMs);
    }
    const durationMs = Math.round(performance.now() - started);
    const outcome: WebhookAttemptOutcome = !error
      ? { result: 'delivered', statusCode: statusCode! }
      : event.attempts >= this.options.maxAttempts
        ? { result: 'failed', statusCode, error }
        : {
            result: 'retry',
            statusCode,
            error,
            delayMs: retryDelay(
              event.attempts,
              this.options.retryBaseDelayMs,
              this.options.retryMaxDelayMs,
            ),
          };
    const kept = await outbox.recordAttempt(event.id, instanceId, outcome);
    const fields = {
      eventId: event.id,
      type: event.type,
      attempt: event.attempts,
      status: statusCode,
      durationMs,
      ...(error ? { error } : {}),
      ...(outcome.result === 'retry' ? { retryInMs: outcome.delayMs } : {}),
      ...(kept ? {} : { leaseLost: true }),
    };
    this.deps.onAttempt?.({ type: event.type, result: outcome.result });
    if (outcome.result === 'delivered') log('info', 'webhook.delivered', fields);
    else if (outcome.result === 'retry') log('warn', 'webhook.retry', fields);
    else log('error', 'webhook.failed', fields);
  }

  private async prune(): Promise<void> {
    try {
      const deleted = await this.deps.outbox.pruneEvents(this.options.retentionMs);
      if (deleted > 0) this.deps.log('info', 'webhook.pruned', { deleted });
    } catch (error) {
      this.deps.log('warn', 'webhook.prune_failed', { error });
    }
  }
}

/** A failed POST in a few words: the timeout, or the network error's code (never the URL). */
function describeFailure(failure: unknown, timeoutMs: number): string {
  if (
    failure instanceof Error &&
    (failure.name === 'TimeoutError' || failure.name === 'AbortError')
  )
    return `timed out after ${timeoutMs} ms`;
  const cause =
    failure instanceof Error ? (failure.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return `network error ${cause.code}`;
  return 'network error';
}
