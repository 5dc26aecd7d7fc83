/**
 * The webhook outbox (docs/architecture.md §9): events for the site's other systems, kept until a
 * worker in some process has delivered them (at least once) or given up. Claims are leased like
 * the run queue's, so a process killed mid-delivery leaves its events due again once the lease
 * expires. `postgres-webhook-outbox.ts` implements it; `server/webhooks/` delivers.
 */
import type { WebhookEventType } from '../../protocol/schemas/webhooks.ts';
import type { UnitOfWork } from './unit-of-work.ts';

export type { WebhookEventType };

export const WEBHOOK_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** The NOTIFY channel that wakes delivery workers when events are queued (payload: the event id). */
export const WEBHOOKS_CHANNEL = 'chorus_webhooks';

export interface NewWebhookEvent {
  type: WebhookEventType;
  roomId: string;
  /** What the event says (the body's `data`); JSON. */
  data: Record<string, unknown>;
  /** Defaults to a fresh UUID. */
  id?: string;
}

/** One event of the outbox. */
export interface WebhookEvent {
  /** Stable across every attempt: the `Chorus-Webhook-Id` receivers deduplicate on. */
  id: string;
  type: WebhookEventType;
  roomId: string;
  data: Record<string, unknown>;
  status: WebhookStatus;
  /** Deliveries started so far (a claim counts, so a delivery cut by a crash counts too). */
  attempts: number;
  nextAttemptAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** How one delivery attempt ended, as the worker decided. */
export type WebhookAttemptOutcome =
  | { result: 'delivered'; statusCode: number }
  | { result: 'retry'; delayMs: number; statusCode: number | null; error: string }
  | { result: 'failed'; statusCode: number | null; error: string };

export interface WebhookOutbox {
  /** Queues an event and NOTIFYs, in the caller's `unit` when given (with what it reports). */
  enqueueEvent(event: NewWebhookEvent, unit?: UnitOfWork): Promise<WebhookEvent>;
  /**
   * Claims up to `limit` due events for `owner` with a lease, oldest first; never two owners at
   * once. Due: pending with its next attempt time reached, and not leased (or the lease expired).
   */
  claimEvents(input: { owner: string; leaseMs: number; limit?: number }): Promise<WebhookEvent[]>;
  /** Records an attempt of an event `owner` holds; false when the lease was lost meanwhile. */
  recordAttempt(id: string, owner: string, outcome: WebhookAttemptOutcome): Promise<boolean>;
  /** Gives back a claim that did not finish (a shutdown): due at once, the attempt not counted. */
  releaseEvent(id: string, owner: string): Promise<boolean>;
  getEvent(id: string): Promise<WebhookEvent | null>;
  /** A room's events, oldest first. */
  listEvents(roomId: string): Promise<WebhookEvent[]>;
  /** Deletes delivered and failed events last changed more than `olderThanMs` ago; returns how many. */
  pruneEvents(olderThanMs: number): Promise<number>;
  /** Calls `onQueued()` whenever any process queues an event. */
  onEventsQueued(onQueued: () => void): Promise<() => Promise<void>>;
}
