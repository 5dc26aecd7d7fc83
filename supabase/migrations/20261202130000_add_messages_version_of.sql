-- Regenerate in place (docs/architecture.md §3, versions): a regenerated or retried reply names the
-- first version of its group; the transcript shows one bubble per group, the latest by default.
alter table messages add column if not exists version_of uuid references messages (id) on delete set null;
create index if not exists messages_version_of_idx on messages (version_of) where version_of is not null;
