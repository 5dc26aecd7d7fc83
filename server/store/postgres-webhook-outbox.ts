import { randomUUID } from 'node:crypto';
import { iso, json } from './postgres-rows.ts';
import type { Sql } from './sql.ts';
import type { UnitOfWork } from './unit-of-work.ts';
import {
  WEBHOOKS_CHANNEL,
  type NewWebhookEvent,
  type WebhookAttemptOutcome,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookOutbox,
  type WebhookStatus,
} from './webhook-outbox.ts';

interface WebhookRow {
  id: string;
  type: WebhookEventType;
  room_id: string;
  data: Record<string, unknown>;
  status: WebhookStatus;
  attempts: number;
  next_attempt_at: Date | string;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date | string;
  delivered_at: Date | string | null;
}

function toEvent(row: WebhookRow): WebhookEvent {
  return {
    id: row.id,
    type: row.type,
    roomId: row.room_id,
    data: row.data,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
  };
}

/** The longest error text kept on a row (a receiver's answer is never stored, only its status). */
const MAX_ERROR_CHARS = 500;

/** {@link WebhookOutbox} over any Postgres: the `webhook_outbox` table, leases by `now()`, wake-ups by NOTIFY. */
export class PostgresWebhookOutbox implements WebhookOutbox {
  constructor(private readonly sql: Sql) {}

  async enqueueEvent(event: NewWebhookEvent, unit: UnitOfWork = this.sql): Promise<WebhookEvent> {
    const { rows } = await unit.query<WebhookRow>(
      `insert into webhook_outbox (id, type, room_id, data) values ($1, $2, $3, $4::jsonb) returning *`,
      [event.id ?? randomUUID(), event.type, event.roomId, json(event.data)],
    );
    // Inside a transaction the NOTIFY goes out on commit, so no worker looks before the row exists.
    await unit.query('select pg_notify($1, $2)', [WEBHOOKS_CHANNEL, rows[0]!.id]);
    return toEvent(rows[0]!);
  }

  async claimEvents(input: {
    owner: string;
    leaseMs: number;
    limit?: number;
  }): Promise<WebhookEvent[]> {
    // Locked rows are skipped before the limit applies; the lease is re-checked on each row's
    // latest version, so two workers never hold one event at once.
    const { rows } = await this.sql.query<WebhookRow>(
      `with due as (
         select id from webhook_outbox
         where status = 'pending' and next_attempt_at <= now()
           and (lease_expires_at is null or lease_expires_at < now())
         order by next_attempt_at, seq
         limit $3
         for update skip locked
       ),
       claimed as (
       update webhook_outbox as event
       set attempts = event.attempts + 1, lease_owner = $1,
           lease_expires_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       from due where event.id = due.id
       returning event.*
       )
       select * from claimed order by next_attempt_at, seq`,
      [input.owner, input.leaseMs, input.limit ?? 10],
    );
    // In the order they were queued (`seq`: two may share a clock tick).
    return rows.map(toEvent);
  }

  async recordAttempt(id: string, owner: string, outcome: WebhookAttemptOutcome): Promise<boolean> {
    const status: WebhookStatus = outcome.result === 'retry' ? 'pending' : outcome.result;
    const { rowCount } = await this.sql.query(
      `update webhook_outbox
       set status = $3, last_status_code = $4, last_error = $5, lease_owner = null, lease_expires_at = null,
           next_attempt_at = case when $3 = 'pending' then now() + make_interval(secs => $6::double precision / 1000) else next_attempt_at end,
           delivered_at = case when $3 = 'delivered' then now() else delivered_at end, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'pending'`,
      [
        id,
        owner,
        status,
        outcome.statusCode,
        outcome.result === 'delivered' ? null : outcome.error.slice(0, MAX_ERROR_CHARS),
        outcome.result === 'retry' ? outcome.delayMs : 0,
      ],
    );
    return rowCount > 0;
  }

  async releaseEvent(id: string, owner: string): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `update webhook_outbox set attempts = greatest(attempts - 1, 0), lease_owner = null, lease_expires_at = null, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'pending'`,
      [id, owner],
    );
    return rowCount > 0;
  }

  async getEvent(id: string): Promise<WebhookEvent | null> {
    const { rows } = await this.sql.query<WebhookRow>(
      'select * from webhook_outbox where id = $1',
      [id],
    );
    return rows[0] ? toEvent(rows[0]) : null;
  }

  async listEvents(roomId: string): Promise<WebhookEvent[]> {
    const { rows } = await this.sql.query<WebhookRow>(
      'select * from webhook_outbox where room_id = $1 order by seq',
      [roomId],
    );
    return rows.map(toEvent);
  }

  async pruneEvents(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.sql.query(
      `delete from webhook_outbox
       where status <> 'pending' and updated_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
    return rowCount;
  }

  async onEventsQueued(onQueued: () => void): Promise<() => Promise<void>> {
    return this.sql.listen(WEBHOOKS_CHANNEL, () => onQueued());
  }
}
