-- How many messages a session summary covers (its start, end and duration are already kept:
-- `started_at`, `ended_at`), for the session lists of the API, the widget and the inbox.
alter table room_sessions add column if not exists message_count integer not null default 0;
