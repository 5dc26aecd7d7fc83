-- The change feed behind `postgres_changes` on the embedded hub (docs/architecture.md §9,
-- docs/realtime-protocol.md §10). Every INSERT, UPDATE and DELETE of `messages` and `rooms`
-- NOTIFYs `chorus_changes` with a small JSON payload: the table, the operation, the primary key
-- and the room keys authorization needs (a message's `room_id`, a room's `parent_id`), never the
-- row (NOTIFY payloads are limited to 8000 bytes). The server LISTENs, reads the row and hands it
-- to the hub. A DELETE carries the old key only, as Supabase sends without REPLICA IDENTITY FULL.
create or replace function chorus_notify_change() returns trigger
language plpgsql as $$
declare
  affected record;
begin
  if tg_op = 'DELETE' then
    affected := old;
  else
    affected := new;
  end if;
  perform pg_notify('chorus_changes', json_build_object(
    'table', tg_table_name,
    'op', tg_op,
    'id', affected.id::text,
    'room', case when tg_table_name = 'messages' then to_jsonb(affected) ->> 'room_id'
                 else to_jsonb(affected) ->> 'id' end,
    'parent', case when tg_table_name = 'rooms' then to_jsonb(affected) ->> 'parent_id' end
  )::text);
  return null;
end
$$;

drop trigger if exists chorus_messages_changes on messages;
create trigger chorus_messages_changes after insert or update or delete on messages
  for each row execute function chorus_notify_change();

drop trigger if exists chorus_rooms_changes on rooms;
create trigger chorus_rooms_changes after insert or update or delete on rooms
  for each row execute function chorus_notify_change();

-- Supabase only (skipped where the `supabase_realtime` publication does not exist: PGlite, plain
-- Postgres): Supabase Realtime serves the same bindings from logical replication, filtered by the
-- RLS select policies of 20261202100100_add_conversation_policies.sql.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    raise notice 'chorus: no supabase_realtime publication, messages and rooms not added';
    return;
  end if;
  if not exists (select 1 from pg_publication_tables
                 where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'messages') then
    execute 'alter publication supabase_realtime add table public.messages';
  end if;
  if not exists (select 1 from pg_publication_tables
                 where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'rooms') then
    execute 'alter publication supabase_realtime add table public.rooms';
  end if;
end
$$;
