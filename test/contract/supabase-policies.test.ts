/**
 * The row level security policies of supabase/migrations/, checked the way Supabase checks them
 * (docs/realtime-protocol.md §7.2, as summed up in docs/decisions.md): for `realtime.messages`,
 * probe rows with a topic and an extension, inserted and read back as the token's role with its
 * claims, then rolled back; for the tables, a select as the token's role. A stand-in for the few
 * pieces of Supabase's `auth` and `realtime` schemas the policies use is created before the
 * migrations run so they apply, on PGlite and on a real PostgreSQL server (one per file).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/store/migrate.ts';
import { PgSql } from '../../server/store/pg-sql.ts';
import { PGliteSql } from '../../server/store/pglite-sql.ts';
import type { Sql, SqlExecutor } from '../../server/store/sql.ts';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.ts';

const SUPABASE_STAND_IN = `
  create role authenticated nologin;
  create role anon nologin;
  create schema auth;
  create schema realtime;
  create function auth.jwt() returns jsonb language sql stable
    as $$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
  create function realtime.topic() returns text language sql stable
    as $$ select nullif(current_setting('realtime.topic', true), '') $$;
  create table realtime.messages (
    topic text not null, extension text not null, payload jsonb, event text, private boolean default false,
    updated_at timestamp not null default now(), inserted_at timestamp not null default now(), id uuid default gen_random_uuid()
  );
  alter table realtime.messages enable row level security;
  grant usage on schema auth, realtime to authenticated, anon;
  grant select, insert, update on realtime.messages to authenticated, anon;
  -- Supabase lets the API roles reach public tables; row level security decides the rows.
  grant usage on schema public to authenticated, anon;
  alter default privileges in schema public grant select on tables to authenticated, anon;
`;

/**
 * Two support rooms with their conversations, and a shared room: id -> parent (null: no parent).
 * Each room gets one message and one participant.
 */
const ROOMS: Record<string, string | null> = {
  support: null,
  c_ada: 'support',
  c_bob: 'support',
  helpdesk: null,
  c_cleo: 'helpdesk',
  lobby: null,
};
const ALL_ROOMS = Object.keys(ROOMS).sort();

const SEED = Object.entries(ROOMS)
  .map(([id, parent]) =>
    [
      parent === null
        ? `insert into rooms (id, title) values ('${id}', '${id}');`
        : `insert into rooms (id, title, parent_id, visitor_id, status) values ('${id}', '${id}', '${parent}', 'guest:${id}', 'bot');`,
      `insert into participants (room_id, id, kind, name) values ('${id}', 'guest:${id}', 'human', 'Someone');`,
      `insert into messages (id, room_id, author_kind, author_id, author_name, content, status)
         values (gen_random_uuid(), '${id}', 'human', 'guest:${id}', 'Someone', 'hello', 'complete');`,
    ].join('\n'),
  )
  .join('\n');

type Claims = Record<string, unknown>;
const roomToken = (extra: Claims = {}): Claims => ({
  iss: 'chorus',
  role: 'authenticated',
  sub: 'guest:ada',
  room: 'lobby',
  name: 'Ada',
  ...extra,
});
const visitor = (conversation: string, extra: Claims = {}) =>
  roomToken({ sub: `guest:${conversation}`, room: conversation, chorus_role: 'guest', ...extra });
const operator = (room: string, extra: Claims = {}) =>
  roomToken({ sub: `staff:${room}`, room, chorus_role: 'operator', ...extra });
const admin = () => roomToken({ sub: 'staff:root', room: 'support', chorus_role: 'admin' });

const ROLLBACK = new Error('rollback');

/** Runs `work` in a transaction that is always rolled back. */
async function rolledBack<T>(sql: Sql, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await sql
    .transaction(async (tx) => {
      result = await work(tx);
      throw ROLLBACK;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK) throw error;
    });
  return result!;
}

/** Takes on the token's role and claims (and the channel topic) for the rest of the transaction. */
async function actAs(tx: SqlExecutor, claims: Claims, topic: string | null = null): Promise<void> {
  await tx.query(
    `select set_config('role', $1, true), set_config('realtime.topic', $2, true), set_config('request.jwt.claims', $3, true)`,
    [String(claims.role), topic ?? '', JSON.stringify(claims)],
  );
}

function describePolicies(name: string, open: () => Promise<Sql>) {
  describe(`row level security on ${name}`, () => {
    let sql: Sql;

    beforeAll(async () => {
      sql = await open();
      await sql.exec(SUPABASE_STAND_IN);
      await migrate(sql);
      await sql.exec(SEED);
    });
    afterAll(async () => {
      await sql.close();
    });

    /** What Realtime would allow `claims` on `topic`: read (join and receive) and write, per extension. */
    async function probe(claims: Claims, topic: string) {
      const allowed = { read: [] as string[], write: [] as string[] };
      for (const extension of ['broadcast', 'presence']) {
        await rolledBack(sql, async (tx) => {
          const { rows } = await tx.query<{ id: string }>(
            `insert into realtime.messages (topic, extension) values ($1, $2) returning id`,
            [topic, extension],
          );
          await actAs(tx, claims, topic);
          if (
            (await tx.query(`select id from realtime.messages where id = $1`, [rows[0]!.id])).rows
              .length === 1
          )
            allowed.read.push(extension);
          await tx.exec('savepoint write_probe');
          try {
            await tx.query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [
              topic,
              extension,
            ]);
            allowed.write.push(extension);
          } catch (error) {
            if ((error as { code?: string }).code !== '42501') throw error;
            await tx.exec('rollback to savepoint write_probe');
          }
        });
      }
      return allowed;
    }

    /** The rooms whose rows of `table` the token reads, sorted. */
    function readableRooms(claims: Claims, table: 'rooms' | 'messages' | 'participants') {
      const column = table === 'rooms' ? 'id' : 'room_id';
      return rolledBack(sql, async (tx) => {
        await actAs(tx, claims);
        const { rows } = await tx.query<{ room: string }>(
          `select distinct ${column} as room from ${table} order by 1`,
        );
        return rows.map((row) => row.room);
      });
    }

    const ROOM_MEMBER = { read: ['broadcast', 'presence'], write: ['presence'] };
    const READ_ONLY = { read: ['broadcast', 'presence'], write: [] };
    const NOTHING = { read: [], write: [] };

    describe('realtime.messages', () => {
      it('let a room token read its room and track presence there, and never broadcast', async () => {
        expect(await probe(roomToken(), 'room:lobby')).toEqual(ROOM_MEMBER);
        expect(await probe(roomToken(), 'room:kitchen')).toEqual(NOTHING);
      });

      it('refuse a token Chorus did not issue for a participant: no iss chorus, or no sub', async () => {
        expect(
          await probe(roomToken({ iss: 'https://project.supabase.co/auth/v1' }), 'room:lobby'),
        ).toEqual(NOTHING);
        expect(await probe(roomToken({ sub: undefined }), 'room:lobby')).toEqual(NOTHING);
        expect(await probe(roomToken({ sub: '' }), 'room:lobby')).toEqual(NOTHING);
        expect(
          await probe(operator('support', { iss: 'https://x.supabase.co/auth/v1' }), 'room:c_ada'),
        ).toEqual(NOTHING);
        expect(await probe(admin(), 'room:c_ada')).toEqual(ROOM_MEMBER);
        expect(await probe({ ...admin(), sub: '' }, 'room:c_ada')).toEqual(NOTHING);
      });

      it('give the anon key nothing on a room topic', async () => {
        expect(await probe({ role: 'anon', iss: 'chorus' }, 'room:lobby')).toEqual(NOTHING);
        expect(
          await probe({ role: 'anon', iss: 'chorus', chorus_role: 'admin' }, 'inbox:support'),
        ).toEqual(NOTHING);
      });

      it("let a visitor into its own conversation only: not another visitor's, the support room or its inbox", async () => {
        expect(await probe(visitor('c_ada'), 'room:c_ada')).toEqual(ROOM_MEMBER);
        expect(await probe(visitor('c_ada'), 'room:c_bob')).toEqual(NOTHING);
        expect(await probe(visitor('c_bob'), 'room:c_ada')).toEqual(NOTHING);
        expect(await probe(visitor('c_ada'), 'room:support')).toEqual(NOTHING);
        expect(await probe(visitor('c_ada'), 'inbox:support')).toEqual(NOTHING);
        expect(await probe(visitor('c_ada', { chorus_role: 'member' }), 'inbox:c_ada')).toEqual(
          NOTHING,
        );
      });

      it("let an operator into its room, its room's conversations and (read only) its inbox, nothing of another room", async () => {
        expect(await probe(operator('support'), 'room:support')).toEqual(ROOM_MEMBER);
        expect(await probe(operator('support'), 'room:c_ada')).toEqual(ROOM_MEMBER);
        expect(await probe(operator('support'), 'room:c_bob')).toEqual(ROOM_MEMBER);
        expect(await probe(operator('support'), 'inbox:support')).toEqual(READ_ONLY);
        expect(await probe(operator('support'), 'room:c_cleo')).toEqual(NOTHING);
        expect(await probe(operator('support'), 'room:helpdesk')).toEqual(NOTHING);
        expect(await probe(operator('support'), 'inbox:helpdesk')).toEqual(NOTHING);
        expect(await probe(operator('support'), 'room:')).toEqual(NOTHING);
      });

      it('let an admin into every room and (read only) every inbox', async () => {
        for (const room of ALL_ROOMS)
          expect(await probe(admin(), `room:${room}`), room).toEqual(ROOM_MEMBER);
        expect(await probe(admin(), 'inbox:support')).toEqual(READ_ONLY);
        expect(await probe(admin(), 'inbox:helpdesk')).toEqual(READ_ONLY);
        expect(await probe(admin(), 'inbox:')).toEqual(NOTHING);
        expect(await probe(admin(), 'lobby')).toEqual(NOTHING);
      });

      it('count a token without chorus_role as a guest', async () => {
        expect(await probe(roomToken({ room: 'support' }), 'room:support')).toEqual(ROOM_MEMBER);
        expect(await probe(roomToken({ room: 'support' }), 'room:c_ada')).toEqual(NOTHING);
        expect(await probe(roomToken({ room: 'support' }), 'inbox:support')).toEqual(NOTHING);
      });
    });

    describe('rooms, messages and participants', () => {
      const TABLES = ['rooms', 'messages', 'participants'] as const;

      it("let a visitor read its own conversation's rows only", async () => {
        for (const table of TABLES) {
          expect(await readableRooms(visitor('c_ada'), table), table).toEqual(['c_ada']);
          expect(await readableRooms(visitor('c_bob'), table), table).toEqual(['c_bob']);
          expect(await readableRooms(roomToken(), table), table).toEqual(['lobby']);
        }
      });

      it("let an operator read its room's and its conversations' rows, an admin every row", async () => {
        for (const table of TABLES) {
          expect(await readableRooms(operator('support'), table), table).toEqual([
            'c_ada',
            'c_bob',
            'support',
          ]);
          expect(await readableRooms(operator('helpdesk'), table), table).toEqual([
            'c_cleo',
            'helpdesk',
          ]);
          expect(await readableRooms(admin(), table), table).toEqual(ALL_ROOMS);
        }
      });

      it('give nothing to the anon key or a token Chorus did not issue for a participant', async () => {
        for (const table of TABLES) {
          expect(await readableRooms({ role: 'anon', iss: 'chorus' }, table), table).toEqual([]);
          expect(
            await readableRooms({ ...admin(), iss: 'https://x.supabase.co/auth/v1' }, table),
            table,
          ).toEqual([]);
          expect(await readableRooms({ ...operator('support'), sub: '' }, table), table).toEqual(
            [],
          );
        }
      });

      it('let authenticated tokens write nothing', async () => {
        const refused = await rolledBack(sql, async (tx) => {
          await actAs(tx, admin());
          return tx
            .query(`update rooms set title = 'taken' where id = 'support'`)
            .then(({ rowCount }) => rowCount === 0)
            .catch((error: { code?: string }) => error.code === '42501');
        });
        expect(refused).toBe(true);
      });
    });
  });
}

describePolicies('PGlite', () => PGliteSql.open());

let postgres: PostgresServer | undefined;
describePolicies('a PostgreSQL server', async () => {
  postgres = await startPostgresServer();
  return PgSql.connect(await postgres.createDatabase('policies'), { max: 2 });
});
afterAll(async () => {
  await postgres?.stop();
});
