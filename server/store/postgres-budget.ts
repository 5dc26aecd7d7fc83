import type { TokenUsage } from '../../protocol/room.ts';
import type { Budget, TokenBudgetState, TokenReservation } from './budget.ts';
import { iso, today } from './postgres-rows.ts';
import { RUNS_CHANNEL } from './run-queue.ts';
import type { Sql, SqlExecutor } from './sql.ts';

/**
 * The room whose budget a room spends: a support room's conversations share their support room's
 * (docs/architecture.md §8), so a site's daily cap holds however many visitors come.
 */
const BUDGET_ROOM = 'coalesce((select parent_id from rooms where id = $1), $1)';

/**
 * Counts `usage` on the room's day and releases `reserved` of its reservations; NOTIFYs when a
 * reservation came back, so rooms waiting for budget are claimed again by every process. Run
 * recovery calls it in its own transaction for what a lost run held.
 */
export async function settle(
  tx: SqlExecutor,
  roomId: string,
  day: string,
  usage: TokenUsage,
  reserved: number,
): Promise<void> {
  await tx.query(
    `insert into token_usage (room_id, day, input_tokens, output_tokens) values (${BUDGET_ROOM}, $2::date, $3, $4)
     on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
       output_tokens = token_usage.output_tokens + excluded.output_tokens,
       reserved_tokens = greatest(token_usage.reserved_tokens - $5, 0)`,
    [roomId, day, usage.inputTokens, usage.outputTokens, reserved],
  );
  if (reserved > 0) await tx.query('select pg_notify($1, $2)', [RUNS_CHANNEL, roomId]);
}

/** {@link Budget} over any Postgres: one `token_usage` row per room and day, reservations held on the run. */
export class PostgresBudget implements Budget {
  constructor(private readonly sql: Sql) {}

  async addTokenUsage(roomId: string, usage: TokenUsage, day = today()): Promise<void> {
    await this.sql.query(
      `insert into token_usage (room_id, day, input_tokens, output_tokens) values ($1, $2::date, $3, $4)
       on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
         output_tokens = token_usage.output_tokens + excluded.output_tokens`,
      [roomId, day, usage.inputTokens, usage.outputTokens],
    );
  }

  async getTokenUsage(roomId: string, day = today()): Promise<TokenUsage> {
    const { rows } = await this.sql.query<{
      input_tokens: number | string;
      output_tokens: number | string;
    }>(
      `select input_tokens, output_tokens from token_usage where room_id = ${BUDGET_ROOM} and day = $2::date`,
      [roomId, day],
    );
    return {
      inputTokens: Number(rows[0]?.input_tokens ?? 0),
      outputTokens: Number(rows[0]?.output_tokens ?? 0),
    };
  }

  async getTokenBudget(roomId: string, day = today()): Promise<TokenBudgetState> {
    const { rows } = await this.sql.query<{ used: number | string; reserved: number | string }>(
      `select input_tokens + output_tokens as used, reserved_tokens as reserved from token_usage
       where room_id = ${BUDGET_ROOM} and day = $2::date`,
      [roomId, day],
    );
    return { used: Number(rows[0]?.used ?? 0), reserved: Number(rows[0]?.reserved ?? 0) };
  }

  async reserveTokens(input: {
    roomId: string;
    runId: string;
    tokens: number;
    budget: number;
    day?: string;
  }): Promise<TokenReservation> {
    const day = input.day ?? today();
    return this.sql.transaction(async (tx) => {
      await tx.query(
        `insert into token_usage (room_id, day) values (${BUDGET_ROOM}, $2::date) on conflict (room_id, day) do nothing`,
        [input.roomId, day],
      );
      // One row per room and day: the update waits for a concurrent reservation and re-checks the sum.
      const { rows } = await tx.query<{ reserved: number | string }>(
        `update token_usage set reserved_tokens = reserved_tokens + $3
         where room_id = ${BUDGET_ROOM} and day = $2::date and input_tokens + output_tokens + reserved_tokens + $3 <= $4
         returning reserved_tokens as reserved`,
        [input.roomId, day, input.tokens, input.budget],
      );
      if (rows.length > 0) {
        await tx.query(
          'update agent_runs set reserved_tokens = reserved_tokens + $2, reserved_day = $3::date where id = $1',
          [input.runId, input.tokens, day],
        );
        return 'reserved';
      }
      const held = await tx.query<{ reserved: number | string }>(
        `select reserved_tokens as reserved from token_usage where room_id = ${BUDGET_ROOM} and day = $2::date`,
        [input.roomId, day],
      );
      return Number(held.rows[0]?.reserved ?? 0) > 0 ? 'wait' : 'exhausted';
    });
  }

  async settleTokens(input: { roomId: string; runId: string; usage: TokenUsage }): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{
        reserved_tokens: number | string;
        reserved_day: Date | string | null;
      }>('select reserved_tokens, reserved_day from agent_runs where id = $1 for update', [
        input.runId,
      ]);
      const reserved = Number(rows[0]?.reserved_tokens ?? 0);
      const day = rows[0]?.reserved_day ? iso(rows[0].reserved_day).slice(0, 10) : today();
      if (reserved === 0 && input.usage.inputTokens + input.usage.outputTokens === 0) return;
      await tx.query('update agent_runs set reserved_tokens = 0 where id = $1', [input.runId]);
      await settle(tx, input.roomId, day, input.usage, reserved);
    });
  }

  async claimBudgetNotice(roomId: string, day = today()): Promise<boolean> {
    await this.sql.query(
      'insert into token_usage (room_id, day) values ($1, $2::date) on conflict (room_id, day) do nothing',
      [roomId, day],
    );
    const { rows } = await this.sql.query(
      'update token_usage set budget_notice_at = now() where room_id = $1 and day = $2::date and budget_notice_at is null returning room_id',
      [roomId, day],
    );
    return rows.length > 0;
  }
}
