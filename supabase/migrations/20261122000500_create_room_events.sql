-- Append-only audit log: joins, leaves, errors, tool calls, stops, recoveries.
create table if not exists room_events (
  id bigint generated always as identity primary key,
  room_id text not null references rooms (id) on delete cascade,
  kind text not null,
  actor text,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);

create index if not exists room_events_room_idx on room_events (room_id, id);
