-- Supabase only (skipped where the `auth` and `realtime` schemas do not exist: PGlite, plain
-- Postgres), like 20261201120000_restrict_realtime_policies.sql, whose two policies on
-- `realtime.messages` this replaces: the embedded hub's room rules for support rooms
-- (server/realtime/hub/policy.ts, docs/architecture.md §8) as row level security.
--
-- Room tokens carry `room` (the room the token is for) and `chorus_role` (guest, member,
-- operator, admin; absent counts as guest); every rule below also requires a token Chorus issued
-- (`iss` = 'chorus') for a participant (`sub` present), as before.
-- - `room:<X>`: read and track presence when `room` = X (a visitor's token names its own
--   conversation); for an `admin`; for an `operator` when X is a conversation whose parent is its
--   `room`. Members still never broadcast (no insert policy for the broadcast extension): only
--   the server (service role, which bypasses RLS) does.
-- - `inbox:<R>`: read only, for an `operator` whose `room` is R, or an `admin`.
-- - Tables `rooms`, `messages`, `participants`: `authenticated` may select the rows of its own
--   room; staff also those of their room's conversations; an admin every row. Writes stay the
--   server's. A rooms policy that looked rooms up would recurse, so rooms checks `parent_id` itself.
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
        and (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
          or ((select realtime.topic()) like 'room:_%' and (auth.jwt() ->> 'chorus_role') = 'admin')
          or (
            (select realtime.topic()) like 'room:_%'
            and (auth.jwt() ->> 'chorus_role') = 'operator'
            and exists (
              select 1 from public.rooms
              where id = substr((select realtime.topic()), 6)
                and parent_id = (auth.jwt() ->> 'room')
            )
          )
        )
      )
  $policy$;

  execute 'drop policy if exists "chorus room members track presence" on realtime.messages';
  execute $policy$
    create policy "chorus room members track presence" on realtime.messages
      for insert to authenticated
      with check (
        realtime.messages.extension = 'presence'
        and (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
          or ((select realtime.topic()) like 'room:_%' and (auth.jwt() ->> 'chorus_role') = 'admin')
          or (
            (select realtime.topic()) like 'room:_%'
            and (auth.jwt() ->> 'chorus_role') = 'operator'
            and exists (
              select 1 from public.rooms
              where id = substr((select realtime.topic()), 6)
                and parent_id = (auth.jwt() ->> 'room')
            )
          )
        )
      )
  $policy$;

  execute 'drop policy if exists "chorus staff read inbox" on realtime.messages';
  execute $policy$
    create policy "chorus staff read inbox" on realtime.messages
      for select to authenticated
      using (
        realtime.messages.extension in ('broadcast', 'presence')
        and (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          (
            (select realtime.topic()) = 'inbox:' || (auth.jwt() ->> 'room')
            and (auth.jwt() ->> 'chorus_role') = 'operator'
          )
          or ((select realtime.topic()) like 'inbox:_%' and (auth.jwt() ->> 'chorus_role') = 'admin')
        )
      )
  $policy$;

  execute 'drop policy if exists "chorus room members read rooms" on rooms';
  execute $policy$
    create policy "chorus room members read rooms" on rooms
      for select to authenticated
      using (
        (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          rooms.id = (auth.jwt() ->> 'room')
          or (auth.jwt() ->> 'chorus_role') = 'admin'
          or ((auth.jwt() ->> 'chorus_role') = 'operator' and rooms.parent_id = (auth.jwt() ->> 'room'))
        )
      )
  $policy$;

  execute 'drop policy if exists "chorus room members read messages" on messages';
  execute $policy$
    create policy "chorus room members read messages" on messages
      for select to authenticated
      using (
        (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          messages.room_id = (auth.jwt() ->> 'room')
          or (auth.jwt() ->> 'chorus_role') = 'admin'
          or (
            (auth.jwt() ->> 'chorus_role') = 'operator'
            and exists (
              select 1 from public.rooms
              where rooms.id = messages.room_id and rooms.parent_id = (auth.jwt() ->> 'room')
            )
          )
        )
      )
  $policy$;

  execute 'drop policy if exists "chorus room members read participants" on participants';
  execute $policy$
    create policy "chorus room members read participants" on participants
      for select to authenticated
      using (
        (auth.jwt() ->> 'iss') = 'chorus'
        and coalesce(auth.jwt() ->> 'sub', '') <> ''
        and (
          participants.room_id = (auth.jwt() ->> 'room')
          or (auth.jwt() ->> 'chorus_role') = 'admin'
          or (
            (auth.jwt() ->> 'chorus_role') = 'operator'
            and exists (
              select 1 from public.rooms
              where rooms.id = participants.room_id and rooms.parent_id = (auth.jwt() ->> 'room')
            )
          )
        )
      )
  $policy$;
end
$$;
