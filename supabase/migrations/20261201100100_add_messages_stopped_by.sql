-- Who stopped a reply (`{id, name}` of a participant), shown to everyone under the stopped reply.
alter table messages add column if not exists stopped_by jsonb;
