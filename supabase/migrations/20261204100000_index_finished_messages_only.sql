-- Full-text search covers finished messages only (docs/architecture.md §4, docs/decisions.md
-- "Search and the change feed off the streaming path"). `search` was recomputed on every
-- checkpoint of a streaming reply: each second, for every reply in flight, a `to_tsvector` of its
-- whole text so far and a round of GIN index entries, most of the database's work while replies
-- stream (bench:capacity). A streaming reply's vector is now null, so its checkpoints change no
-- indexed column (Postgres can update the row in place, HOT); the final write indexes it once.
-- Dropping and adding the generated column rewrites the table once, as any change of a generated
-- expression does.
drop index if exists messages_search_idx;
alter table messages drop column if exists search;
alter table messages add column search tsvector generated always as (
  case when status = 'streaming' then null else to_tsvector('simple', content) end
) stored;
create index if not exists messages_search_idx on messages using gin (search);

-- The change trigger read the affected row's keys through `to_jsonb` of the whole row (its text
-- and, before this migration, its vector) twice per change; it reads the two fields directly now.
create or replace function chorus_notify_change() returns trigger
language plpgsql as $$
declare
  affected record;
  room text;
  parent text;
begin
  if tg_op = 'DELETE' then
    affected := old;
  else
    affected := new;
  end if;
  if tg_table_name = 'messages' then
    room := affected.room_id;
  else
    room := affected.id;
    parent := affected.parent_id;
  end if;
  perform pg_notify('chorus_changes', json_build_object(
    'table', tg_table_name,
    'op', tg_op,
    'id', affected.id::text,
    'room', room,
    'parent', parent
  )::text);
  return null;
end
$$;
