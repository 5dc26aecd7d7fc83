/**
 * Crash recovery of `agent_runs` (docs/architecture.md §5): what `recoverExpiredRuns` of
 * postgres-run-queue.ts does for each run whose lease expired.
 */
import { insertEvent } from './postgres-audit-log.ts';
import { settle } from './postgres-budget.ts';
import {
  MESSAGE_COLUMNS,
  iso,
  toMessage,
  toRun,
  today,
  type MessageRow,
  type RunRow,
} from './postgres-rows.ts';
import { MAX_RUN_ATTEMPTS, RUNS_CHANNEL, type RecoveredRun, type RunStatus } from './run-queue.ts';
import type { UnitOfWork } from './unit-of-work.ts';

const INTERRUPTED = 'The server streaming this reply stopped before it finished';

/**
 * Finishes one expired run in the recovery's transaction: what it reserved is charged, its
 * message ends `interrupted` (or it is queued again), and the audit log says so.
 */
export async function recoverRun(
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
