-- Supabase only (skipped where the `auth` and `realtime` schemas do not exist: PGlite, plain
-- Postgres), like 20261122000700_enable_supabase_policies.sql, whose two policies on
-- `realtime.messages` this replaces with narrower ones: the part of the embedded hub's member
-- rules (server/realtime/hub/room-protocol.ts) that row level security can see.
--
-- Realtime checks these policies on probe rows it inserts when a channel is joined or tracks
-- (docs/decisions.md, "Realtime hub: what members may say"): a row has the topic and the
-- extension, never the event, the payload or the presence key. So RLS can say who may read and
-- track in which room, and that members may not broadcast at all; it cannot see a presence
-- meta (kind, id, name, size), the key a presence is tracked under, or a typing payload. On
-- hosted Supabase those stay unchecked: the widget sends typing through the server
-- (POST /api/rooms/:room/typing) and cuts names and ignores malformed metas itself.
--
-- What these policies require, on top of the room claim matching the topic: a room token that
-- Chorus issued (`iss` = 'chorus', as POST /api/session signs them; a Supabase Auth user's token
-- of the same project has another issuer) for a participant (`sub` present). There is still no
-- insert policy with extension = 'broadcast' for members: their broadcasts, `typing` included,
-- are dropped, and only the server (service role, which bypasses RLS) broadcasts.
do $$
begin
  if not exists (select 1 from pg_namespace where nspname = 'auth')
     or not exists (select 1 from pg_namespace where nspname = 'realtime') then
    raise notice 'chorus: no auth/realtime schemas, Supabase policies skipped';
    return;
  end if;

  execute 'drop policy if exists "chorus room members read" on realtime.messages';
  execute $policy$
    create policy "chorus room members read" on realtime.messages
      for select to authenticated
      using (
        realtime.messages.extension in ('broadcast', 'presence')
        and (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
        and (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
      )
  $policy$;

  execute 'drop policy if exists "chorus room members track presence" on realtime.messages';
  execute $policy$
    create policy "chorus room members track presence" on realtime.messages
      for insert to authenticated
      with check (
        realtime.messages.extension = 'presence'
        and (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
        and (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
      )
  $policy$;
end
$$;
