import { randomUUID } from 'node:crypto';
import type { TokenUsage } from '../../protocol/room.ts';
import { budgetRoom, COUNT_USAGE } from './postgres-budget.ts';
import { recoverRun } from './postgres-run-recovery.ts';
import { json, toRun, today, type RunRow } from './postgres-rows.ts';
import {
  BUDGET_RETURNED,
  RUNS_CHANNEL,
  STOPS_CHANNEL,
  type AgentRun,
  type NewRun,
  type RecoveredRun,
  type RunEnding,
  type RunQueue,
  type RunStatus,
  type StopRequest,
} from './run-queue.ts';
import type { Sql } from './sql.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** {@link RunQueue} over any Postgres: the `agent_runs` table, leases by `now()`, wake-ups by NOTIFY. */
export class PostgresRunQueue implements RunQueue {
  constructor(private readonly sql: Sql) {}

  async enqueueRuns(
    input: { roomId: string; triggerMessageId: string; runs: NewRun[] },
    unit: UnitOfWork = this.sql,
  ): Promise<AgentRun[]> {
    if (input.runs.length === 0) return [];
    // One statement for the round (a message to three agents makes one, not four; bench:capacity
    // counts them). The NOTIFY is delivered when the caller's transaction commits, so no process
    // claims before the message exists.
    const ids = input.runs.map(() => randomUUID());
    const { rows } = await unit.query<RunRow>(
      `with inserted as (
         insert into agent_runs (id, room_id, message_id, trigger_message_id, agent_id, reason, depth)
         select id, $5, message_id, $6, agent_id, reason, depth
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $7::int[]) as run (id, message_id, agent_id, reason, depth)
         returning *
       ), notified as (
         select pg_notify($8, $5) from (select 1 from inserted limit 1) as any_run
       )
       select inserted.* from inserted left join notified on true`,
      [
        ids,
        input.runs.map((run) => run.messageId ?? randomUUID()),
        input.runs.map((run) => run.agentId),
        input.runs.map((run) => run.reason),
        input.roomId,
        input.triggerMessageId,
        input.runs.map((run) => run.depth ?? 0),
        RUNS_CHANNEL,
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, toRun(row)]));
    return ids.map((id) => byId.get(id)!);
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
    usage?: TokenUsage,
  ): Promise<boolean> {
    if (!usage) {
      const { rowCount } = await this.sql.query(
        `update agent_runs set status = $3, last_error = $4, lease_expires_at = null, updated_at = now()
         where id = $1 and lease_owner = $2 and status = 'running'`,
        [runId, owner, status, error],
      );
      return rowCount > 0;
    }
    const [finished] = await this.finishRuns(owner, [{ runId, status, error, usage }]);
    return finished!;
  }

  async finishRuns(owner: string, endings: readonly RunEnding[]): Promise<boolean[]> {
    if (endings.length === 0) return [];
    // One statement for runs ending together: each run ends and its reservation (read locked) is
    // cleared; the usage and reservations of the runs sharing a budget room and day are summed,
    // so that room's row is written once, not once a run (three agents of a room end together,
    // and each would wait for the one before to commit); waiting rooms are told.
    const { rows } = await this.sql.query<{ id: string }>(
      `with ending as (
         select * from jsonb_to_recordset($1::jsonb)
           as ending (id uuid, status text, error text, input_tokens bigint, output_tokens bigint)
       ), finished as (
         update agent_runs run set status = ending.status, last_error = ending.error, lease_expires_at = null,
           updated_at = now(), reserved_tokens = 0
         from ending, (select id, reserved_tokens, reserved_day from agent_runs
                       where id in (select id from ending) and lease_owner = $2 and status = 'running' for update) old
         where run.id = ending.id and old.id = ending.id
         returning run.id, run.room_id, old.reserved_tokens as reserved, coalesce(old.reserved_day, $3::date) as day,
           ending.input_tokens, ending.output_tokens
       ), spent as (
         select ${budgetRoom('finished.room_id')} as room_id, day, sum(input_tokens) as input_tokens,
           sum(output_tokens) as output_tokens, sum(reserved) as reserved
         from finished group by 1, 2
       ), ${COUNT_USAGE}
       select finished.id, (select pg_notify($4, '${BUDGET_RETURNED}' || finished.room_id) where finished.reserved > 0)
       from finished`,
      [
        json(
          endings.map((ending) => ({
            id: ending.runId,
            status: ending.status,
            error: ending.error ?? null,
            input_tokens: ending.usage.inputTokens,
            output_tokens: ending.usage.outputTokens,
          })),
        ),
        owner,
        today(),
        RUNS_CHANNEL,
      ],
    );
    const ended = new Set(rows.map((row) => row.id));
    return endings.map((ending) => ended.has(ending.runId.toLowerCase()));
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

  async onRunsQueued(
    onQueued: (roomId: string, reason: 'queued' | 'budget') => void,
  ): Promise<() => Promise<void>> {
    return this.sql.listen(RUNS_CHANNEL, (payload) =>
      payload.startsWith(BUDGET_RETURNED)
        ? onQueued(payload.slice(BUDGET_RETURNED.length), 'budget')
        : onQueued(payload, 'queued'),
    );
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
