-- Budgets that are caps (docs/decisions.md, "Budgets"): a run reserves an estimate of its tokens
-- before it starts and settles its real usage when it ends. `token_usage.reserved_tokens` is what
-- runs in flight may still spend today; `agent_runs.reserved_tokens` and `reserved_day` say what a
-- run holds, so a crashed run's reservation can be settled by recovery. `budget_notice_at` makes
-- the "budget used" notice appear once per room and day, whichever process sees it first.
alter table token_usage add column if not exists reserved_tokens bigint not null default 0;
alter table token_usage add column if not exists budget_notice_at timestamptz;
alter table agent_runs add column if not exists reserved_tokens bigint not null default 0;
alter table agent_runs add column if not exists reserved_day date;
