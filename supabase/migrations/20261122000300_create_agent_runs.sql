-- The durable queue of agent replies to produce. Posting a message inserts its runs in the same
-- transaction; orchestrators claim them with FOR UPDATE SKIP LOCKED and hold a lease while they
-- stream. `message_id` is the reply's id, minted at enqueue time so it never changes.
create table if not exists agent_runs (
  id uuid primary key,
  room_id text not null references rooms (id) on delete cascade,
  message_id uuid not null unique,
  trigger_message_id uuid not null references messages (id) on delete cascade,
  agent_id text not null,
  reason text not null check (reason in ('mention', 'selected', 'all', 'default', 'handoff', 'regenerate')),
  depth integer not null default 0 check (depth >= 0),
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempt integer not null default 0,
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index if not exists agent_runs_queued_idx on agent_runs (created_at, id) where status = 'queued';
create index if not exists agent_runs_lease_idx on agent_runs (lease_expires_at) where status = 'running';
create index if not exists agent_runs_room_idx on agent_runs (room_id, status);
