-- One summary per stretch of activity: a session is keyed by its room and its first message's
-- time, so when several orchestrator processes see a room go quiet at once, only the first
-- `insert ... on conflict do nothing` writes it.
create unique index if not exists room_sessions_room_started_key on room_sessions (room_id, started_at);
