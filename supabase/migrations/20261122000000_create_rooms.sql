-- Rooms: one per embedded chat room. `settings` holds the speaker policy, the agents in the room,
-- guest access and budgets (validated by the server, so new settings need no migration).
create table if not exists rooms (
  id text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  title text not null,
  settings jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
