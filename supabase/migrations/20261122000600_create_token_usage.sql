-- Model tokens spent per room per day (UTC), for budgets and reporting.
create table if not exists token_usage (
  room_id text not null references rooms (id) on delete cascade,
  day date not null,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  primary key (room_id, day)
);
