-- Supabase only (skipped where the `auth` and `realtime` schemas do not exist: PGlite, plain
-- Postgres). The browser never reads these tables directly, so row level security is enabled
-- with no policy for `anon`/`authenticated`: only the server (service role) reads and writes.
-- Policies on `realtime.messages` express docs/architecture.md §6 for private room channels: a user
-- token with a `room` claim may receive broadcasts and presence on `room:<that room>` and track
-- its own presence there; it may not broadcast (its sends are dropped), except that the `typing`
-- event is allowed on the hub only, since RLS cannot see the event name.
do $$
begin
  if not exists (select 1 from pg_namespace where nspname = 'auth')
     or not exists (select 1 from pg_namespace where nspname = 'realtime') then
    raise notice 'chorus: no auth/realtime schemas, Supabase policies skipped';
    return;
  end if;

  execute 'alter table rooms enable row level security';
  execute 'alter table participants enable row level security';
  execute 'alter table messages enable row level security';
  execute 'alter table agent_runs enable row level security';
  execute 'alter table room_sessions enable row level security';
  execute 'alter table room_events enable row level security';
  execute 'alter table token_usage enable row level security';

  execute 'drop policy if exists "chorus room members read" on realtime.messages';
  execute $policy$
    create policy "chorus room members read" on realtime.messages
      for select to authenticated
      using (
        realtime.messages.extension in ('broadcast', 'presence')
        and (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
      )
  $policy$;

  execute 'drop policy if exists "chorus room members track presence" on realtime.messages';
  execute $policy$
    create policy "chorus room members track presence" on realtime.messages
      for insert to authenticated
      with check (
        realtime.messages.extension = 'presence'
        and (select realtime.topic()) = 'room:' || (auth.jwt() ->> 'room')
      )
  $policy$;
end
$$;
