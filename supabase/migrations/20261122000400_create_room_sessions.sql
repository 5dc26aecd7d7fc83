-- Stretches of activity in a room, with the summary written when the room went quiet.
create table if not exists room_sessions (
  id uuid primary key,
  room_id text not null references rooms (id) on delete cascade,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  summary text
);

create index if not exists room_sessions_room_idx on room_sessions (room_id, started_at desc);
