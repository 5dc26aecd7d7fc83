-- Every message of every room: human posts, agent replies (inserted at their start, checkpointed
-- while streaming, finalised once) and system notices. `position` orders a room's transcript and
-- is the pagination cursor; `search` backs full-text search within a room.
create table if not exists messages (
  id uuid primary key,
  room_id text not null references rooms (id) on delete cascade,
  position bigint generated always as identity,
  author_kind text not null check (author_kind in ('human', 'agent', 'system')),
  author_id text not null,
  author_name text not null,
  content text not null default '',
  parts jsonb not null default '[]'::jsonb,
  status text not null check (status in ('complete', 'streaming', 'cancelled', 'error', 'interrupted')),
  reply_to uuid references messages (id) on delete set null,
  reason text check (reason in ('mention', 'selected', 'all', 'default', 'handoff', 'regenerate')),
  seq integer not null default 0 check (seq >= 0),
  model text,
  usage jsonb,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  search tsvector generated always as (to_tsvector('simple', content)) stored
);

create unique index if not exists messages_room_position_idx on messages (room_id, position);
create index if not exists messages_search_idx on messages using gin (search);
create index if not exists messages_streaming_idx on messages (room_id) where status = 'streaming';
