/**
 * The `realtime.messages` policies of supabase/migrations/, checked the way Supabase Realtime
 * checks them (docs/realtime-protocol.md §7.2, as summed up in docs/decisions.md): probe rows with a
 * topic and an extension, inserted and read back as the token's role with its claims, then rolled
 * back. PGlite stands in for the Supabase database, with the few pieces of Supabase's `auth` and
 * `realtime` schemas the policies use, created before the migrations run so they apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/store/migrate.ts';
import { PGliteSql } from '../../server/store/pglite-sql.ts';

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
`;

let sql: PGliteSql;

beforeAll(async () => {
  sql = await PGliteSql.open();
  await sql.exec(SUPABASE_STAND_IN);
  await migrate(sql);
});
afterAll(async () => {
  await sql.close();
});

type Claims = Record<string, unknown>;
const roomToken = (extra: Claims = {}): Claims => ({
  iss: 'chorus',
  role: 'authenticated',
  sub: 'guest:ada',
  room: 'lobby',
  name: 'Ada',
  ...extra,
});

/** What Realtime would allow `claims` on `topic`: read (join and receive) and write, per extension. */
async function probe(claims: Claims, topic: string) {
  const allowed = { read: [] as string[], write: [] as string[] };
  for (const extension of ['broadcast', 'presence']) {
    await sql.exec('begin');
    try {
      const { rows } = await sql.query<{ id: string }>(
        `insert into realtime.messages (topic, extension) values ($1, $2) returning id`,
        [topic, extension],
      );
      await sql.query(
        `select set_config('role', $1, true), set_config('realtime.topic', $2, true), set_config('request.jwt.claims', $3, true)`,
        [String(claims.role), topic, JSON.stringify(claims)],
      );
      if (
        (await sql.query(`select id from realtime.messages where id = $1`, [rows[0]!.id])).rows
          .length === 1
      )
        allowed.read.push(extension);
      await sql.exec('savepoint write_probe');
      try {
        await sql.query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [
          topic,
          extension,
        ]);
        allowed.write.push(extension);
      } catch (error) {
        if ((error as { code?: string }).code !== '42501') throw error;
        await sql.exec('rollback to savepoint write_probe');
      }
    } finally {
      await sql.exec('rollback');
    }
  }
  return allowed;
}

describe('realtime.messages policies (hosted Supabase)', () => {
  it('let a room token read its room and track presence there, and never broadcast', async () => {
    expect(await probe(roomToken(), 'room:lobby')).toEqual({
      read: ['broadcast', 'presence'],
      write: ['presence'],
    });
    expect(await probe(roomToken(), 'room:kitchen')).toEqual({ read: [], write: [] });
  });

  it('refuse a token Chorus did not issue for a participant: no iss chorus, or no sub', async () => {
    expect(
      await probe(roomToken({ iss: 'https://project.supabase.co/auth/v1' }), 'room:lobby'),
    ).toEqual({ read: [], write: [] });
    expect(await probe(roomToken({ sub: undefined }), 'room:lobby')).toEqual({
      read: [],
      write: [],
    });
    expect(await probe(roomToken({ sub: '' }), 'room:lobby')).toEqual({ read: [], write: [] });
  });

  it('give the anon key nothing on a room topic', async () => {
    expect(await probe({ role: 'anon', iss: 'chorus' }, 'room:lobby')).toEqual({
      read: [],
      write: [],
    });
  });
});
