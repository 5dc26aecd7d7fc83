import type { TokenUsage } from '../../protocol/room.ts';
import type {
  Budget,
  TokenBudgetState,
  TokenReservation,
  TokenReservationRequest,
} from './budget.ts';
import { today } from './postgres-rows.ts';
import { BUDGET_RETURNED, RUNS_CHANNEL } from './run-queue.ts';
import type { Sql, SqlExecutor } from './sql.ts';

/**
 * The room whose budget a room spends: a support room's conversations share their support room's
 * (docs/architecture.md §8), so a site's daily cap holds however many visitors come.
 */
export const budgetRoom = (room: string) =>
  `coalesce((select parent_id from rooms where id = ${room}), ${room})`;
const BUDGET_ROOM = budgetRoom('$1');

/**
 * Two CTEs (`counted`, `first_counted`) that count usage on budget rooms' days and give back
 * their reservations, for the rows of the CTE `spent` (`room_id`, the budget room; `day`;
 * `input_tokens`; `output_tokens`; `reserved`; at most one row per room and day), so that callers
 * write it into one statement with what comes before and after it. A room with no row for the
 * day reserved nothing on it, so only its usage is counted.
 */
export const COUNT_USAGE = `counted as (
    update token_usage usage set input_tokens = usage.input_tokens + spent.input_tokens,
      output_tokens = usage.output_tokens + spent.output_tokens,
      reserved_tokens = greatest(usage.reserved_tokens - spent.reserved, 0)
    from spent where usage.room_id = spent.room_id and usage.day = spent.day
    returning usage.room_id, usage.day
  ), first_counted as (
    insert into token_usage (room_id, day, input_tokens, output_tokens)
    select room_id, day, input_tokens, output_tokens from spent
    where input_tokens + output_tokens > 0
      and not exists (select 1 from counted where counted.room_id = spent.room_id and counted.day = spent.day)
    on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
      output_tokens = token_usage.output_tokens + excluded.output_tokens
  )`;

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
    `with spent as (
       select ${BUDGET_ROOM} as room_id, $2::date as day, $3::bigint as input_tokens,
         $4::bigint as output_tokens, $5::bigint as reserved
     ), ${COUNT_USAGE}
     select pg_notify($6, '${BUDGET_RETURNED}' || $1) where $5::bigint > 0`,
    [roomId, day, usage.inputTokens, usage.outputTokens, reserved, RUNS_CHANNEL],
  );
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

  async reserveTokens(input: TokenReservationRequest): Promise<TokenReservation> {
    if (await this.reserveAll([input])) return 'reserved';
    const { reserved } = await this.getTokenBudget(input.roomId, input.day ?? today());
    return reserved > 0 ? 'wait' : 'exhausted';
  }

  async reserveTokensForRuns(
    inputs: readonly TokenReservationRequest[],
  ): Promise<TokenReservation[]> {
    const groups = new Map<string, TokenReservationRequest[]>();
    for (const input of inputs) {
      const key = JSON.stringify([input.roomId, input.day ?? today(), input.budget]);
      const group = groups.get(key);
      if (group) group.push(input);
      else groups.set(key, [input]);
    }
    const answers = new Map<TokenReservationRequest, TokenReservation>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        if (group.length > 1 && (await this.reserveAll(group)))
          for (const input of group) answers.set(input, 'reserved');
        // Apart, in order: the first may fit where all did not.
        else for (const input of group) answers.set(input, await this.reserveTokens(input));
      }),
    );
    return inputs.map((input) => answers.get(input)!);
  }

  /** Reserves the sum of `group` (one room, day and budget) in one statement: all or none. */
  private async reserveAll(group: readonly TokenReservationRequest[]): Promise<boolean> {
    const { roomId, budget } = group[0]!;
    const day = group[0]!.day ?? today();
    const total = group.reduce((sum, input) => sum + input.tokens, 0);
    // The upsert waits for a concurrent reservation of the room's day and re-checks the sum on
    // the row that one left; each run's share is recorded with it.
    const { rows } = await this.sql.query<{ reserved: boolean }>(
      `with reserved as (
         insert into token_usage (room_id, day, reserved_tokens)
         select ${BUDGET_ROOM}, $2::date, $3::bigint where $3::bigint <= $4::bigint
         on conflict (room_id, day) do update set reserved_tokens = token_usage.reserved_tokens + excluded.reserved_tokens
           where token_usage.input_tokens + token_usage.output_tokens + token_usage.reserved_tokens + excluded.reserved_tokens <= $4::bigint
         returning 1
       ), recorded as (
         update agent_runs run set reserved_tokens = run.reserved_tokens + share.tokens, reserved_day = $2::date
         from (select id, sum(tokens) as tokens from unnest($5::uuid[], $6::bigint[]) as share (id, tokens) group by id) share
         where run.id = share.id and exists (select 1 from reserved)
       )
       select exists (select 1 from reserved) as reserved`,
      [
        roomId,
        day,
        total,
        budget,
        group.map((input) => input.runId),
        group.map((input) => input.tokens),
      ],
    );
    return rows[0]?.reserved === true;
  }

  async settleTokens(input: { roomId: string; runId: string; usage: TokenUsage }): Promise<void> {
    // One statement: the run's reservation is read (locked) and cleared, its usage counted on the
    // day it reserved, the reservation given back, and waiting rooms told when there was one.
    await this.sql.query(
      `with held as (
         update agent_runs run set reserved_tokens = 0
         from (select id, reserved_tokens, reserved_day from agent_runs where id = $1 for update) old
         where run.id = old.id
         returning old.reserved_tokens as reserved, coalesce(old.reserved_day, $3::date) as day
       ), spent as (
         select ${budgetRoom('$2')} as room_id, held.day, $4::bigint as input_tokens,
           $5::bigint as output_tokens, held.reserved
         from held where held.reserved > 0 or $4::bigint + $5::bigint > 0
       ), ${COUNT_USAGE}
       select pg_notify($6, '${BUDGET_RETURNED}' || $2) from held where held.reserved > 0`,
      [
        input.runId,
        input.roomId,
        today(),
        input.usage.inputTokens,
        input.usage.outputTokens,
        RUNS_CHANNEL,
      ],
    );
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
