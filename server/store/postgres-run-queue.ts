import { randomUUID } from 'node:crypto';
import { insertEvent } from './postgres-audit-log.ts';
import { settle } from './postgres-budget.ts';
import {
  MESSAGE_COLUMNS,
  iso,
  json,
  toMessage,
  toRun,
  today,
  type MessageRow,
  type RunRow,
} from './postgres-rows.ts';
import {
  MAX_RUN_ATTEMPTS,
  RUNS_CHANNEL,
  STOPS_CHANNEL,
  type AgentRun,
  type NewRun,
  type RecoveredRun,
  type RunQueue,
  type RunStatus,
  type StopRequest,
} from './run-queue.ts';
import type { Sql } from './sql.ts';
import type { UnitOfWork } from './unit-of-work.ts';

const INTERRUPTED = 'The server streaming this reply stopped before it finished';

/** {@link RunQueue} over any Postgres: the `agent_runs` table, leases by `now()`, wake-ups by NOTIFY. */
export class PostgresRunQueue implements RunQueue {
  constructor(private readonly sql: Sql) {}

  async enqueueRuns(
    input: { roomId: string; triggerMessageId: string; runs: NewRun[] },
    unit?: UnitOfWork,
  ): Promise<AgentRun[]> {
    if (!unit) return this.sql.transaction((tx) => this.enqueueRuns(input, tx));
    const inserted: AgentRun[] = [];
    for (const run of input.runs) {
      const { rows } = await unit.query<RunRow>(
        `insert into agent_runs (id, room_id, message_id, trigger_message_id, agent_id, reason, depth)
         values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [
          randomUUID(),
          input.roomId,
          run.messageId ?? randomUUID(),
          input.triggerMessageId,
          run.agentId,
          run.reason,
          run.depth ?? 0,
        ],
      );
      inserted.push(toRun(rows[0]!));
    }
    // Delivered when the caller's transaction commits, so no process claims before the message exists.
    if (inserted.length > 0)
      await unit.query('select pg_notify($1, $2)', [RUNS_CHANNEL, input.roomId]);
    return inserted;
  }

  async claimRuns(input: {
    owner: string;
    leaseMs: number;
    limit?: number;
    roomId?: string;
    maxPerRoom?: number;
    skipRooms?: readonly string[];
  }): Promise<AgentRun[]> {
    // Each queued run's turn is the number of runs its room would then have in flight: a room's
    // first waiting run comes before any room's second, so one busy room cannot starve the others.
    const { rows } = await this.sql.query<RunRow>(
      `with running as (
         select room_id, count(*) as in_flight from agent_runs where status = 'running' group by room_id
       ), waiting as (
         select queued.id, queued.created_at,
                coalesce(running.in_flight, 0) + row_number() over (partition by queued.room_id order by queued.created_at, queued.id) as turn
         from agent_runs as queued left join running using (room_id)
         where queued.status = 'queued' and ($4::text is null or queued.room_id = $4::text) and queued.room_id <> all($6::text[])
       ), next as (
         -- Locked rows are skipped before the limit applies, so a claim racing another still gets
         -- work; status is re-checked on each row's latest version, so no run is taken twice.
         select run.id from agent_runs as run join waiting on waiting.id = run.id
         where run.status = 'queued' and waiting.turn <= $5
         order by waiting.turn, waiting.created_at, waiting.id
         limit $3
         for update of run skip locked
       )
       update agent_runs as run
       set status = 'running', attempt = run.attempt + 1, lease_owner = $1,
           lease_expires_at = now() + make_interval(secs => $2::double precision / 1000), updated_at = now()
       from next where run.id = next.id
       returning run.*, (select author_id from messages where id = run.trigger_message_id) as trigger_author_id`,
      [
        input.owner,
        input.leaseMs,
        input.limit ?? 10,
        input.roomId ?? null,
        input.maxPerRoom ?? 2_147_483_647,
        [...(input.skipRooms ?? [])],
      ],
    );
    return rows
      .map(toRun)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async requeueRun(runId: string, owner: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      `update agent_runs set status = 'queued', attempt = greatest(attempt - 1, 0), lease_owner = null, lease_expires_at = null, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running' returning id`,
      [runId, owner],
    );
    return rows.length > 0;
  }

  async renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.renewLeases([runId], owner, leaseMs)).includes(runId);
  }

  async renewLeases(runIds: readonly string[], owner: string, leaseMs: number): Promise<string[]> {
    if (runIds.length === 0) return [];
    const { rows } = await this.sql.query<{ id: string }>(
      `update agent_runs set lease_expires_at = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
       where id = any($1::uuid[]) and lease_owner = $2 and status = 'running' returning id`,
      [runIds, owner, leaseMs],
    );
    return rows.map((row) => row.id);
  }

  async finishRun(
    runId: string,
    owner: string,
    status: Exclude<RunStatus, 'queued' | 'running'>,
    error: string | null = null,
  ): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `update agent_runs set status = $3, last_error = $4, lease_expires_at = null, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [runId, owner, status, error],
    );
    return rowCount > 0;
  }

  async listRuns(triggerMessageId: string, unit: UnitOfWork = this.sql): Promise<AgentRun[]> {
    const { rows } = await unit.query<RunRow>(
      'select * from agent_runs where trigger_message_id = $1 order by created_at, id',
      [triggerMessageId],
    );
    return rows.map(toRun);
  }

  async cancelQueuedRuns(input: {
    roomId: string;
    agentId?: string;
    messageId?: string;
    repliesTo?: string;
  }): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>(
      `update agent_runs set status = 'cancelled', updated_at = now()
       where room_id = $1 and status = 'queued' and ($2::text is null or agent_id = $2::text) and ($3::uuid is null or message_id = $3::uuid)
         and ($4::text is null or trigger_message_id in (select id from messages where room_id = $1 and author_id = $4::text))
       returning *`,
      [input.roomId, input.agentId ?? null, input.messageId ?? null, input.repliesTo ?? null],
    );
    return rows.map(toRun);
  }

  async recoverExpiredRuns(
    options: { agentName?(agentId: string): string } = {},
  ): Promise<RecoveredRun[]> {
    return this.sql.transaction(async (tx) => {
      const expired = await tx.query<RunRow>(
        `select * from agent_runs where status = 'running' and lease_expires_at < now() order by created_at for update skip locked`,
      );
      const recovered: RecoveredRun[] = [];
      for (const row of expired.rows) recovered.push(await recoverRun(tx, row, options));
      return recovered;
    });
  }

  async onRunsQueued(onQueued: (roomId: string) => void): Promise<() => Promise<void>> {
    return this.sql.listen(RUNS_CHANNEL, onQueued);
  }

  async publishStop(request: StopRequest): Promise<void> {
    await this.sql.query('select pg_notify($1, $2)', [STOPS_CHANNEL, json(request)]);
  }

  async onStop(onStopRequest: (request: StopRequest) => void): Promise<() => Promise<void>> {
    return this.sql.listen(STOPS_CHANNEL, (payload) => {
      try {
        onStopRequest(JSON.parse(payload) as StopRequest);
      } catch {
        // not ours: only this queue publishes on the channel
      }
    });
  }
}

/**
 * Finishes one expired run in the recovery's transaction: what it reserved is charged, its
 * message ends `interrupted` (or it is queued again), and the audit log says so.
 */
async function recoverRun(
  tx: UnitOfWork,
  row: RunRow,
  options: { agentName?(agentId: string): string },
): Promise<RecoveredRun> {
  // What a lost run reserved is charged in full: its real usage is unknown and the cap must hold.
  const reserved = Number(row.reserved_tokens ?? 0);
  if (reserved > 0) {
    const day = row.reserved_day ? iso(row.reserved_day).slice(0, 10) : today();
    await settle(tx, row.room_id, day, { inputTokens: reserved, outputTokens: 0 }, reserved);
  }
  const started = (
    await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [
      row.message_id,
    ])
  ).rows[0];
  const requeue = !started && row.attempt < MAX_RUN_ATTEMPTS;
  const status: RunStatus = requeue ? 'queued' : 'failed';
  await tx.query(
    `update agent_runs set status = $2, last_error = 'lease expired', lease_owner = null, lease_expires_at = null, reserved_tokens = 0, updated_at = now()
     where id = $1`,
    [row.id, status],
  );
  let message: MessageRow | undefined;
  if (requeue) {
    await tx.query('select pg_notify($1, $2)', [RUNS_CHANNEL, row.room_id]);
  } else if (started) {
    message =
      (
        await tx.query<MessageRow>(
          `update messages set status = 'interrupted', error = $2, updated_at = now() where id = $1 and status = 'streaming' returning ${MESSAGE_COLUMNS}`,
          [row.message_id, INTERRUPTED],
        )
      ).rows[0] ?? started;
  } else {
    message = (
      await tx.query<MessageRow>(
        `insert into messages (id, room_id, author_kind, author_id, author_name, status, reply_to, reason, error)
         values ($1, $2, 'agent', $3, $7, 'interrupted', $4, $5, $6) returning ${MESSAGE_COLUMNS}`,
        [
          row.message_id,
          row.room_id,
          row.agent_id,
          row.trigger_message_id,
          row.reason,
          INTERRUPTED,
          options.agentName?.(row.agent_id) ?? row.agent_id,
        ],
      )
    ).rows[0];
  }
  await insertEvent(tx, {
    roomId: row.room_id,
    kind: 'run.recovered',
    actor: row.agent_id,
    data: {
      runId: row.id,
      messageId: row.message_id,
      leaseOwner: row.lease_owner,
      attempt: row.attempt,
      seq: message?.seq ?? 0,
      requeued: requeue,
    },
  });
  return {
    run: toRun({
      ...row,
      status,
      last_error: 'lease expired',
      lease_owner: null,
      lease_expires_at: null,
    }),
    message: message ? toMessage(message) : null,
    requeued: requeue,
  };
}
