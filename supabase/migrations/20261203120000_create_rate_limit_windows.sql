-- Shared rate limits (docs/architecture.md §6, §10): one row per limit and key (a client IP, or a
-- room and participant) holding the hits of its current fixed window, so every process behind a
-- load balancer counts against the same number. `window_start` is the window's start in epoch
-- milliseconds, aligned to the window length so processes agree on it; a hit in a later window
-- starts the count again. Rows of past windows are deleted by the processes as they go.
create table if not exists rate_limit_windows (
  name text not null,
  key text not null,
  window_start bigint not null,
  hits integer not null,
  primary key (name, key)
);

create index if not exists rate_limit_windows_start_idx on rate_limit_windows (window_start);

-- Only the server reads it (on Supabase the service role bypasses RLS; anon and authenticated get nothing).
alter table rate_limit_windows enable row level security;
