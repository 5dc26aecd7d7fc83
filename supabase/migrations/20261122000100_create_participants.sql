-- People and agents who have been in a room.
create table if not exists participants (
  room_id text not null references rooms (id) on delete cascade,
  id text not null,
  kind text not null check (kind in ('human', 'agent')),
  name text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (room_id, id)
);
