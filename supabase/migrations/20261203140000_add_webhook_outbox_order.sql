-- Events are delivered in the order they were queued: two queued within the clock's resolution
-- (a post and its reply's start) kept no order by `created_at` alone, and ties fell to the random id.
alter table webhook_outbox add column if not exists seq bigint generated always as identity;
