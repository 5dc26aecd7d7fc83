-- Conversations, roles and moderation (docs/architecture.md §8).
--
-- A support room's private conversations are rooms too (their own transcript, channel, runs and
-- fair share of the workers), with `parent_id` naming the support room, `visitor_id` the person
-- the conversation is with and `status` who answers it. At most one open conversation per visitor
-- and support room, so two tabs opening at once get the same one. `staff_read_position` is the
-- transcript position staff have read up to (the inbox's unread count); `last_activity_at` orders
-- the inbox.
alter table rooms add column if not exists parent_id text references rooms (id) on delete cascade;
alter table rooms add column if not exists visitor_id text;
alter table rooms add column if not exists status text
  check (status is null or status in ('bot', 'waiting', 'human', 'closed'));
alter table rooms add column if not exists staff_read_position bigint not null default 0;
alter table rooms add column if not exists last_activity_at timestamptz not null default now();

alter table rooms drop constraint if exists rooms_conversation_shape;
alter table rooms add constraint rooms_conversation_shape check (
  (parent_id is null and visitor_id is null and status is null)
  or (parent_id is not null and visitor_id is not null and status is not null)
);

create unique index if not exists rooms_open_conversation_idx
  on rooms (parent_id, visitor_id) where parent_id is not null and status <> 'closed';
create index if not exists rooms_inbox_idx
  on rooms (parent_id, last_activity_at desc, id) where parent_id is not null;

-- A person's role in a room (guest, member, operator, admin) and a mute set by staff.
alter table participants add column if not exists role text not null default 'guest'
  check (role in ('guest', 'member', 'operator', 'admin'));
alter table participants add column if not exists muted_until timestamptz;
alter table participants add column if not exists muted_forever boolean not null default false;

-- Staff messages are marked as staff (author_role), and staff may remove a message: it keeps its
-- place with status 'deleted' and no content.
alter table messages add column if not exists author_role text
  check (author_role is null or author_role in ('operator', 'admin'));
alter table messages drop constraint if exists messages_status_check;
alter table messages add constraint messages_status_check
  check (status in ('complete', 'streaming', 'cancelled', 'error', 'interrupted', 'deleted'));
