import { randomUUID } from 'node:crypto';
import type { Author, Message, MessagePart, MessageStatus, ReplyReason, TokenUsage } from '../../protocol/room.ts';
import { wellFormed } from '../../protocol/text.ts';
import { AppError } from '../lib/app-error.ts';
import type { Sql, SqlExecutor } from './sql.ts';
import {
  MAX_RUN_ATTEMPTS,
  MessageConflictError,
  NotFoundError,
  RUNS_CHANNEL,
  STOPS_CHANNEL,
  type AgentRun,
  type MessagePage,
  type NewRun,
  type RecoveredRun,
  type ReplySnapshot,
  type Room,
  type RoomEvent,
  type RoomSession,
  type RunStatus,
  type StopRequest,
  type Store,
  type TokenBudgetState,
  type TokenReservation,
} from './store.ts';

interface MessageRow {
  id: string;
  room_id: string;
  position: number | string;
  author_kind: Author['kind'];
  author_id: string;
  author_name: string;
  content: string;
  parts: MessagePart[];
  status: MessageStatus;
  reply_to: string | null;
  reason: ReplyReason | null;
  seq: number;
  model: string | null;
  usage: TokenUsage | null;
  error: string | null;
  stopped_by: { id: string; name: string } | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface RunRow {
  id: string;
  room_id: string;
  message_id: string;
  trigger_message_id: string;
  agent_id: string;
  reason: ReplyReason;
  depth: number;
  status: RunStatus;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
  trigger_author_id?: string | null;
  reserved_tokens?: number | string;
  reserved_day?: Date | string | null;
}

const MESSAGE_COLUMNS = `id, room_id, position, author_kind, author_id, author_name, content, parts, status,
  reply_to, reason, seq, model, usage, error, stopped_by, created_at, updated_at`;
const MAX_PAGE = 200;
const INTERRUPTED = 'The server streaming this reply stopped before it finished';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());
/** JSON for a `jsonb` parameter; strings made well-formed, since Postgres refuses half an emoji in JSON. */
const json = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? wellFormed(item) : item));
const today = () => new Date().toISOString().slice(0, 10);

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    position: Number(row.position),
    author: { kind: row.author_kind, id: row.author_id, name: row.author_name },
    content: row.content,
    parts: row.parts ?? [],
    status: row.status,
    seq: row.seq,
    replyTo: row.reply_to,
    reason: row.reason,
    model: row.model,
    usage: row.usage,
    error: row.error,
    ...(row.stopped_by ? { stoppedBy: row.stopped_by } : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toRun(row: RunRow): AgentRun {
  return {
    id: row.id,
    roomId: row.room_id,
    messageId: row.message_id,
    triggerMessageId: row.trigger_message_id,
    agentId: row.agent_id,
    reason: row.reason,
    depth: row.depth,
    ...(row.trigger_author_id ? { triggerAuthorId: row.trigger_author_id } : {}),
    status: row.status,
    attempt: row.attempt,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : iso(row.lease_expires_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
  };
}

interface SessionRow {
  id: string;
  room_id: string;
  started_at: Date | string;
  ended_at: Date | string;
  summary: string;
}

function toSession(row: SessionRow): RoomSession {
  return { id: row.id, roomId: row.room_id, startedAt: iso(row.started_at), endedAt: iso(row.ended_at), summary: row.summary };
}

function toRoom(row: { id: string; title: string; settings: Record<string, unknown>; created_at: Date | string; updated_at: Date | string }): Room {
  return { id: row.id, title: row.title, settings: row.settings ?? {}, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

/**
 * The {@link Store} over any Postgres: PGlite in-process or a server through node-postgres.
 * @example const store = new PostgresStore(await PGliteSql.open());
 */
export class PostgresStore implements Store {
  constructor(readonly sql: Sql) {}

  async getRoom(id: string): Promise<Room | null> {
    const { rows } = await this.sql.query<Parameters<typeof toRoom>[0]>('select * from rooms where id = $1', [id]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async ensureRoom(input: { id: string; title: string; settings?: Record<string, unknown> }): Promise<Room> {
    await this.sql.query('insert into rooms (id, title, settings) values ($1, $2, $3::jsonb) on conflict (id) do nothing', [
      input.id,
      input.title,
      json(input.settings ?? {}),
    ]);
    return (await this.getRoom(input.id))!;
  }

  async updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room> {
    const { rows } = await this.sql.query<Parameters<typeof toRoom>[0]>(
      'update rooms set settings = settings || $2::jsonb, updated_at = now() where id = $1 returning *',
      [id, json(patch)],
    );
    if (!rows[0]) throw new NotFoundError(`Room ${id}`);
    return toRoom(rows[0]);
  }

  async upsertParticipant(input: { roomId: string; id: string; kind: 'human' | 'agent'; name: string }): Promise<void> {
    await this.sql.query(
      `insert into participants (room_id, id, kind, name) values ($1, $2, $3, $4)
       on conflict (room_id, id) do update set name = excluded.name, last_seen_at = now()`,
      [input.roomId, input.id, input.kind, input.name],
    );
  }

  async postHumanMessage(input: { id: string; roomId: string; author: Author; content: string; runs: NewRun[] }) {
    const content = wellFormed(input.content);
    return this.sql.transaction(async (tx) => {
      const inserted = await tx.query<MessageRow>(
        `insert into messages (id, room_id, author_kind, author_id, author_name, content, status)
         values ($1, $2, $3, $4, $5, $6, 'complete') on conflict (id) do nothing returning ${MESSAGE_COLUMNS}`,
        [input.id, input.roomId, input.author.kind, input.author.id, wellFormed(input.author.name), content],
      );
      if (!inserted.rows[0]) {
        const existing = (await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [input.id])).rows[0];
        if (!existing || existing.room_id !== input.roomId || existing.content !== content || existing.author_id !== input.author.id) {
          throw new MessageConflictError(input.id);
        }
        const runs = await tx.query<RunRow>('select * from agent_runs where trigger_message_id = $1 order by created_at, id', [input.id]);
        return { message: toMessage(existing), created: false, runs: runs.rows.map(toRun) };
      }
      const runs = await insertRuns(tx, input.roomId, input.id, input.runs);
      return { message: toMessage(inserted.rows[0]), created: true, runs };
    });
  }

  async insertSystemMessage(input: { roomId: string; content: string; replyTo?: string | null; id?: string }): Promise<Message> {
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, content, status, reply_to)
       values ($1, $2, 'system', 'system', 'Chorus', $3, 'complete', $4) returning ${MESSAGE_COLUMNS}`,
      [input.id ?? randomUUID(), input.roomId, wellFormed(input.content), input.replyTo ?? null],
    );
    return toMessage(rows[0]!);
  }

  async getMessage(id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.sql.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [id]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async listMessages(roomId: string, options: { before?: string | null; limit?: number } = {}): Promise<MessagePage> {
    const limit = Math.min(Math.max(1, options.limit ?? 50), MAX_PAGE);
    const before = options.before ? Number(options.before) : null;
    if (before !== null && !Number.isSafeInteger(before)) {
      throw new AppError({ name: 'InvalidCursorError', code: 'invalid_cursor', status: 400, message: 'The cursor is not one this API gave out' });
    }
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages
       where room_id = $1 and ($2::bigint is null or position < $2::bigint)
       order by position desc limit $3`,
      [roomId, before, limit + 1],
    );
    const page = rows.slice(0, limit);
    const oldest = page[page.length - 1];
    return {
      messages: page.reverse().map(toMessage),
      nextCursor: rows.length > limit && oldest ? String(oldest.position) : null,
    };
  }

  async recentMessages(roomId: string, limit: number): Promise<Message[]> {
    return (await this.listMessages(roomId, { limit })).messages;
  }

  async searchMessages(roomId: string, query: string, limit = 10): Promise<Message[]> {
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages, websearch_to_tsquery('simple', $2) as query
       where room_id = $1 and search @@ query
       order by ts_rank(search, query) desc, position desc limit $3`,
      [roomId, query, Math.min(Math.max(1, limit), 50)],
    );
    return rows.map(toMessage);
  }

  async startAgentMessage(input: { id: string; roomId: string; author: Author; replyTo: string | null; reason: ReplyReason; model: string | null }) {
    const { rows } = await this.sql.query<MessageRow>(
      `insert into messages (id, room_id, author_kind, author_id, author_name, status, reply_to, reason, model)
       values ($1, $2, $3, $4, $5, 'streaming', $6, $7, $8) returning ${MESSAGE_COLUMNS}`,
      [input.id, input.roomId, input.author.kind, input.author.id, input.author.name, input.replyTo, input.reason, input.model],
    );
    return toMessage(rows[0]!);
  }

  async checkpointAgentMessage(id: string, snapshot: ReplySnapshot): Promise<void> {
    await this.sql.query(
      `update messages set content = $2, parts = $3::jsonb, seq = $4, updated_at = now() where id = $1 and status = 'streaming'`,
      [id, wellFormed(snapshot.content), json(snapshot.parts), snapshot.seq],
    );
  }

  async finishAgentMessage(
    id: string,
    final: ReplySnapshot & {
      status: Exclude<MessageStatus, 'streaming'>;
      usage?: TokenUsage | null;
      error?: string | null;
      stoppedBy?: { id: string; name: string } | null;
    },
  ): Promise<Message> {
    const { rows } = await this.sql.query<MessageRow>(
      `update messages set content = $2, parts = $3::jsonb, seq = $4, status = $5, usage = $6::jsonb, error = $7, stopped_by = $8::jsonb, updated_at = now()
       where id = $1 and status = 'streaming' returning ${MESSAGE_COLUMNS}`,
      [id, wellFormed(final.content), json(final.parts), final.seq, final.status, json(final.usage ?? null), final.error ?? null, json(final.stoppedBy ?? null)],
    );
    if (rows[0]) return toMessage(rows[0]);
    const current = await this.getMessage(id); // finalised elsewhere (recovered after a lost lease)
    if (!current) throw new NotFoundError(`Message ${id}`);
    return current;
  }

  async enqueueRuns(input: { roomId: string; triggerMessageId: string; runs: NewRun[] }): Promise<AgentRun[]> {
    return this.sql.transaction((tx) => insertRuns(tx, input.roomId, input.triggerMessageId, input.runs));
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
      [input.owner, input.leaseMs, input.limit ?? 10, input.roomId ?? null, input.maxPerRoom ?? 2_147_483_647, [...(input.skipRooms ?? [])]],
    );
    return rows.map(toRun).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
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
    const { rowCount } = await this.sql.query(
      `update agent_runs set lease_expires_at = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [runId, owner, leaseMs],
    );
    return rowCount > 0;
  }

  async finishRun(runId: string, owner: string, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): Promise<boolean> {
    const { rowCount } = await this.sql.query(
      `update agent_runs set status = $3, last_error = $4, lease_expires_at = null, updated_at = now()
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [runId, owner, status, error],
    );
    return rowCount > 0;
  }

  async listRuns(triggerMessageId: string): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>('select * from agent_runs where trigger_message_id = $1 order by created_at, id', [triggerMessageId]);
    return rows.map(toRun);
  }

  async cancelQueuedRuns(input: { roomId: string; agentId?: string; messageId?: string; repliesTo?: string }): Promise<AgentRun[]> {
    const { rows } = await this.sql.query<RunRow>(
      `update agent_runs set status = 'cancelled', updated_at = now()
       where room_id = $1 and status = 'queued' and ($2::text is null or agent_id = $2::text) and ($3::uuid is null or message_id = $3::uuid)
         and ($4::text is null or trigger_message_id in (select id from messages where room_id = $1 and author_id = $4::text))
       returning *`,
      [input.roomId, input.agentId ?? null, input.messageId ?? null, input.repliesTo ?? null],
    );
    return rows.map(toRun);
  }

  async recoverExpiredRuns(options: { agentName?(agentId: string): string } = {}): Promise<RecoveredRun[]> {
    return this.sql.transaction(async (tx) => {
      const expired = await tx.query<RunRow>(
        `select * from agent_runs where status = 'running' and lease_expires_at < now() order by created_at for update skip locked`,
      );
      const recovered: RecoveredRun[] = [];
      for (const row of expired.rows) {
        // What a lost run reserved is charged in full: its real usage is unknown and the cap must hold.
        const reserved = Number(row.reserved_tokens ?? 0);
        if (reserved > 0) {
          const day = row.reserved_day ? iso(row.reserved_day).slice(0, 10) : today();
          await settle(tx, row.room_id, day, { inputTokens: reserved, outputTokens: 0 }, reserved);
        }
        const started = (await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from messages where id = $1`, [row.message_id])).rows[0];
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
          message = (await tx.query<MessageRow>(
            `insert into messages (id, room_id, author_kind, author_id, author_name, status, reply_to, reason, error)
             values ($1, $2, 'agent', $3, $7, 'interrupted', $4, $5, $6) returning ${MESSAGE_COLUMNS}`,
            [row.message_id, row.room_id, row.agent_id, row.trigger_message_id, row.reason, INTERRUPTED, options.agentName?.(row.agent_id) ?? row.agent_id],
          )).rows[0];
        }
        await tx.query(`insert into room_events (room_id, kind, actor, data) values ($1, 'run.recovered', $2, $3::jsonb)`, [
          row.room_id,
          row.agent_id,
          json({ runId: row.id, messageId: row.message_id, leaseOwner: row.lease_owner, attempt: row.attempt, seq: message?.seq ?? 0, requeued: requeue }),
        ]);
        recovered.push({
          run: toRun({ ...row, status, last_error: 'lease expired', lease_owner: null, lease_expires_at: null }),
          message: message ? toMessage(message) : null,
          requeued: requeue,
        });
      }
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
        // not ours: only this store publishes on the channel
      }
    });
  }

  async unsummarizedMessages(roomId: string, limit: number): Promise<Message[]> {
    // Compared in SQL, at the database's microsecond precision (an ISO string keeps milliseconds).
    const { rows } = await this.sql.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from messages
       where room_id = $1 and created_at > coalesce((select max(ended_at) from room_sessions where room_id = $1), '-infinity')
       order by position desc limit $2`,
      [roomId, Math.max(1, limit)],
    );
    return rows.reverse().map(toMessage);
  }

  async addSession(input: { roomId: string; messageIds: readonly string[]; summary: string }): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `insert into room_sessions (id, room_id, started_at, ended_at, summary)
       select $1, $2, min(created_at), max(created_at), $4 from messages where room_id = $2 and id = any($3::uuid[])
       having count(*) > 0
       on conflict (room_id, started_at) do nothing
       returning id, room_id, started_at, ended_at, summary`,
      [randomUUID(), input.roomId, input.messageIds.filter((id) => UUID.test(id)), input.summary],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async latestSession(roomId: string): Promise<RoomSession | null> {
    const { rows } = await this.sql.query<SessionRow>(
      `select id, room_id, started_at, ended_at, summary from room_sessions
       where room_id = $1 and summary is not null order by ended_at desc nulls last, started_at desc limit 1`,
      [roomId],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async addTokenUsage(roomId: string, usage: TokenUsage, day = today()): Promise<void> {
    await this.sql.query(
      `insert into token_usage (room_id, day, input_tokens, output_tokens) values ($1, $2::date, $3, $4)
       on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
         output_tokens = token_usage.output_tokens + excluded.output_tokens`,
      [roomId, day, usage.inputTokens, usage.outputTokens],
    );
  }

  async getTokenUsage(roomId: string, day = today()): Promise<TokenUsage> {
    const { rows } = await this.sql.query<{ input_tokens: number | string; output_tokens: number | string }>(
      'select input_tokens, output_tokens from token_usage where room_id = $1 and day = $2::date',
      [roomId, day],
    );
    return { inputTokens: Number(rows[0]?.input_tokens ?? 0), outputTokens: Number(rows[0]?.output_tokens ?? 0) };
  }

  async getTokenBudget(roomId: string, day = today()): Promise<TokenBudgetState> {
    const { rows } = await this.sql.query<{ used: number | string; reserved: number | string }>(
      'select input_tokens + output_tokens as used, reserved_tokens as reserved from token_usage where room_id = $1 and day = $2::date',
      [roomId, day],
    );
    return { used: Number(rows[0]?.used ?? 0), reserved: Number(rows[0]?.reserved ?? 0) };
  }

  async reserveTokens(input: { roomId: string; runId: string; tokens: number; budget: number; day?: string }): Promise<TokenReservation> {
    const day = input.day ?? today();
    return this.sql.transaction(async (tx) => {
      await tx.query('insert into token_usage (room_id, day) values ($1, $2::date) on conflict (room_id, day) do nothing', [input.roomId, day]);
      // One row per room and day: the update waits for a concurrent reservation and re-checks the sum.
      const { rows } = await tx.query<{ reserved: number | string }>(
        `update token_usage set reserved_tokens = reserved_tokens + $3
         where room_id = $1 and day = $2::date and input_tokens + output_tokens + reserved_tokens + $3 <= $4
         returning reserved_tokens as reserved`,
        [input.roomId, day, input.tokens, input.budget],
      );
      if (rows.length > 0) {
        await tx.query('update agent_runs set reserved_tokens = reserved_tokens + $2, reserved_day = $3::date where id = $1', [input.runId, input.tokens, day]);
        return 'reserved';
      }
      const held = await tx.query<{ reserved: number | string }>('select reserved_tokens as reserved from token_usage where room_id = $1 and day = $2::date', [
        input.roomId,
        day,
      ]);
      return Number(held.rows[0]?.reserved ?? 0) > 0 ? 'wait' : 'exhausted';
    });
  }

  async settleTokens(input: { roomId: string; runId: string; usage: TokenUsage }): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ reserved_tokens: number | string; reserved_day: Date | string | null }>(
        'select reserved_tokens, reserved_day from agent_runs where id = $1 for update',
        [input.runId],
      );
      const reserved = Number(rows[0]?.reserved_tokens ?? 0);
      const day = rows[0]?.reserved_day ? iso(rows[0].reserved_day).slice(0, 10) : today();
      if (reserved === 0 && input.usage.inputTokens + input.usage.outputTokens === 0) return;
      await tx.query('update agent_runs set reserved_tokens = 0 where id = $1', [input.runId]);
      await settle(tx, input.roomId, day, input.usage, reserved);
    });
  }

  async claimBudgetNotice(roomId: string, day = today()): Promise<boolean> {
    await this.sql.query('insert into token_usage (room_id, day) values ($1, $2::date) on conflict (room_id, day) do nothing', [roomId, day]);
    const { rows } = await this.sql.query(
      'update token_usage set budget_notice_at = now() where room_id = $1 and day = $2::date and budget_notice_at is null returning room_id',
      [roomId, day],
    );
    return rows.length > 0;
  }

  async appendEvent(input: { roomId: string; kind: string; actor?: string | null; data?: Record<string, unknown> }): Promise<void> {
    await this.sql.query('insert into room_events (room_id, kind, actor, data) values ($1, $2, $3, $4::jsonb)', [
      input.roomId,
      input.kind,
      input.actor ?? null,
      json(input.data ?? {}),
    ]);
  }

  async listEvents(roomId: string, options: { afterId?: number; limit?: number } = {}): Promise<RoomEvent[]> {
    const { rows } = await this.sql.query<{ id: number | string; room_id: string; kind: string; actor: string | null; data: Record<string, unknown>; created_at: Date | string }>(
      'select * from room_events where room_id = $1 and id > $2 order by id limit $3',
      [roomId, options.afterId ?? 0, Math.min(options.limit ?? 100, 1000)],
    );
    return rows.map((row) => ({ id: Number(row.id), roomId: row.room_id, kind: row.kind, actor: row.actor, data: row.data, createdAt: iso(row.created_at) }));
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

/**
 * Counts `usage` on the room's day and releases `reserved` of its reservations; NOTIFYs when a
 * reservation came back, so rooms waiting for budget are claimed again by every process.
 */
async function settle(tx: SqlExecutor, roomId: string, day: string, usage: TokenUsage, reserved: number): Promise<void> {
  await tx.query(
    `insert into token_usage (room_id, day, input_tokens, output_tokens) values ($1, $2::date, $3, $4)
     on conflict (room_id, day) do update set input_tokens = token_usage.input_tokens + excluded.input_tokens,
       output_tokens = token_usage.output_tokens + excluded.output_tokens,
       reserved_tokens = greatest(token_usage.reserved_tokens - $5, 0)`,
    [roomId, day, usage.inputTokens, usage.outputTokens, reserved],
  );
  if (reserved > 0) await tx.query('select pg_notify($1, $2)', [RUNS_CHANNEL, roomId]);
}

async function insertRuns(tx: SqlExecutor, roomId: string, triggerMessageId: string, runs: NewRun[]): Promise<AgentRun[]> {
  const inserted: AgentRun[] = [];
  for (const run of runs) {
    const { rows } = await tx.query<RunRow>(
      `insert into agent_runs (id, room_id, message_id, trigger_message_id, agent_id, reason, depth)
       values ($1, $2, $3, $4, $5, $6, $7) returning *`,
      [randomUUID(), roomId, run.messageId ?? randomUUID(), triggerMessageId, run.agentId, run.reason, run.depth ?? 0],
    );
    inserted.push(toRun(rows[0]!));
  }
  if (inserted.length > 0) await tx.query('select pg_notify($1, $2)', [RUNS_CHANNEL, roomId]);
  return inserted;
}
