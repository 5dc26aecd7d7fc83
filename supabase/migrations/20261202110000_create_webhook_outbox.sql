-- The webhook outbox (docs/architecture.md §9): every event for the site's other systems is a
-- row, written in the transaction of what it reports where the code allows, and delivered at
-- least once by a worker in any process. Workers claim due rows with FOR UPDATE SKIP LOCKED and a
-- lease, as `agent_runs` does: a row whose lease expired (its process died mid-delivery) is due
-- again. `id` is the event's stable id (the `Chorus-Webhook-Id` header receivers deduplicate on).
-- No foreign key to `rooms`: an event outlives the room it tells about.
create table if not exists webhook_outbox (
  id uuid primary key,
  type text not null check (type in ('message.created', 'reply.completed', 'conversation.status_changed')),
  room_id text not null,
  data jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_owner text,
  lease_expires_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered_at timestamptz
);

create index if not exists webhook_outbox_due_idx on webhook_outbox (next_attempt_at, created_at) where status = 'pending';
create index if not exists webhook_outbox_settled_idx on webhook_outbox (updated_at) where status <> 'pending';

-- Only the server reads it (on Supabase the service role bypasses RLS; anon and authenticated get nothing).
alter table webhook_outbox enable row level security;
