-- Knowledge terms (docs/architecture.md §12): how many chunks hold each lexeme of the chunks'
-- `search` vectors, kept by the store as it writes and removes documents. The answerability rule
-- weighs a question's words by how rare they are in the knowledge (BM25's idf), and reading one
-- row per word keeps that out of the search's cost (`ts_stat` would read every chunk).
create table if not exists knowledge_terms (
  word text primary key,
  chunks integer not null check (chunks > 0)
);

-- Chunks indexed before this table existed.
insert into knowledge_terms (word, chunks)
select lexeme, count(*) from knowledge_chunks, unnest(search) group by lexeme
on conflict (word) do nothing;

-- Only the server reads it (on Supabase the service role bypasses RLS; anon and authenticated get nothing).
alter table knowledge_terms enable row level security;
