-- Knowledge sources (docs/architecture.md §11): the site's own documents (a folder of Markdown,
-- HTML and text, CHORUS_KNOWLEDGE_DIR), indexed at start and when files change, for the
-- `search_knowledge` tool and the offline personas' cited answers. A document is one file, known
-- by its path in the folder (`source`) and the checksum of what was indexed; its chunks are its
-- sections (split at headings), each with a heading title and its place in the document.
-- Search is Postgres full-text ranking over `search` (title weighted above text), the same on
-- PGlite and PostgreSQL.
create table if not exists knowledge_documents (
  source text primary key,
  title text not null,
  url text,
  checksum text not null,
  indexed_at timestamptz not null default now()
);

create table if not exists knowledge_chunks (
  source text not null references knowledge_documents (source) on delete cascade,
  position integer not null check (position >= 0),
  title text not null,
  content text not null,
  search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')
  ) stored,
  primary key (source, position)
);

create index if not exists knowledge_chunks_search_idx on knowledge_chunks using gin (search);

-- Only the server reads them (on Supabase the service role bypasses RLS; anon and authenticated get nothing).
alter table knowledge_documents enable row level security;
alter table knowledge_chunks enable row level security;
