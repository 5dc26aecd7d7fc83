import type { Knowledge, KnowledgeDocument, KnowledgePassage } from './knowledge.ts';
import type { Sql, SqlExecutor } from './sql.ts';

interface PassageRow {
  source: string;
  url: string | null;
  document_title: string;
  title: string;
  position: number;
  content: string;
  rank: number | string;
  coverage: number | string;
}

/** The most chunks one search returns, whatever the caller asks for. */
export const MAX_KNOWLEDGE_RESULTS = 20;

/**
 * The chunks of one source, as (word, chunks holding it): what `knowledge_terms` counts. Both
 * statements below read it inside the transaction that writes or removes the source's chunks.
 */
const SOURCE_TERMS = `select lexeme as word, count(*)::integer as chunks
  from knowledge_chunks, unnest(search) where source = $1 group by lexeme`;

/**
 * {@link Knowledge} over any Postgres (PGlite or a server): full-text search with `ts_rank`, and
 * each passage's coverage of the query from the per-word chunk counts in `knowledge_terms`.
 */
export class PostgresKnowledge implements Knowledge {
  constructor(private readonly sql: Pick<Sql, 'query' | 'transaction'>) {}

  async putDocument(document: KnowledgeDocument): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await forgetTerms(tx, document.source);
      await tx.query('delete from knowledge_documents where source = $1', [document.source]);
      await tx.query(
        'insert into knowledge_documents (source, title, url, checksum) values ($1, $2, $3, $4)',
        [document.source, document.title, document.url, document.checksum],
      );
      for (const [position, chunk] of document.chunks.entries())
        await tx.query(
          'insert into knowledge_chunks (source, position, title, content) values ($1, $2, $3, $4)',
          [document.source, position, chunk.title, chunk.content],
        );
      // In word order, so two writers upserting the same words lock them in the same order.
      await tx.query(
        `insert into knowledge_terms (word, chunks)
         select word, chunks from (${SOURCE_TERMS}) terms order by word
         on conflict (word) do update set chunks = knowledge_terms.chunks + excluded.chunks`,
        [document.source],
      );
    });
  }

  async removeDocument(source: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await forgetTerms(tx, source);
      await tx.query('delete from knowledge_documents where source = $1', [source]);
    });
  }

  async listDocuments(): Promise<{ source: string; checksum: string }[]> {
    const { rows } = await this.sql.query<{ source: string; checksum: string }>(
      'select source, checksum from knowledge_documents order by source',
    );
    return rows;
  }

  async search(query: string, limit: number): Promise<KnowledgePassage[]> {
    // plainto_tsquery normalizes the words (stems, drops stop words) and joins them with `&`;
    // any of them may match, so `&` becomes `|` and ranking puts the chunks with most words first.
    // `ts_rank` (weighted word frequency), not `ts_rank_cd`: with `|` every matched word is its own
    // cover, so cover density adds nothing but cost; every match is ranked, and at 10,000 chunks
    // `ts_rank` halves the p95 and ranks better (docs/benchmarks.md, "Knowledge retrieval").
    // Only the chunks are ranked; the documents are joined for the few kept.
    // Coverage: the share of the query's words, each weighed by BM25's idf over the chunks
    // (Lucene's non-negative form, ln(1 + (N − n + 0.5) / (n + 0.5)), n the chunks holding the
    // word), that the passage holds. A word no chunk holds weighs most; one in every chunk, least.
    const { rows } = await this.sql.query<PassageRow>(
      `with q as (
         select nullif(replace(plainto_tsquery('english', $1)::text, ' & ', ' | '), '')::tsquery as query,
                tsvector_to_array(to_tsvector('english', $1)) as words
       ),
       weights as (
         select w.word,
                ln(1 + (n.total - coalesce(t.chunks, 0) + 0.5) / (coalesce(t.chunks, 0) + 0.5)) as weight
         from q cross join unnest(q.words) as w (word)
           cross join (select count(*) as total from knowledge_chunks) n
           left join knowledge_terms t on t.word = w.word
       ),
       best as (
         select c.source, c.title, c.position, c.content, c.search, ts_rank(c.search, q.query) as rank
         from knowledge_chunks c, q
         where q.query is not null and c.search @@ q.query
         order by rank desc, c.source, c.position
         limit $2
       )
       select b.source, d.url, d.title as document_title, b.title, b.position, b.content, b.rank,
              round(coalesce(
                (select sum(weight) from weights where weights.word = any (tsvector_to_array(b.search)))
                  / nullif((select sum(weight) from weights), 0),
                0)::numeric, 3) as coverage
       from best b join knowledge_documents d using (source)
       order by b.rank desc, b.source, b.position`,
      [query, Math.min(Math.max(1, Math.floor(limit)), MAX_KNOWLEDGE_RESULTS)],
    );
    return rows.map((row) => ({
      source: row.source,
      url: row.url,
      documentTitle: row.document_title,
      title: row.title,
      position: Number(row.position),
      content: row.content,
      rank: Number(row.rank),
      coverage: Number(row.coverage),
    }));
  }
}

/**
 * Takes a source's chunks out of the word counts, before they are deleted or replaced. The
 * document's row is locked first: a second writer of the same source (another process on the
 * same database) waits for the first to commit and then counts out the chunks it wrote, not the
 * ones it replaced.
 */
async function forgetTerms(tx: SqlExecutor, source: string): Promise<void> {
  await tx.query('select 1 from knowledge_documents where source = $1 for update', [source]);
  await tx.query(
    `with gone as (${SOURCE_TERMS}),
     emptied as (
       delete from knowledge_terms t using gone where t.word = gone.word and t.chunks <= gone.chunks
     )
     update knowledge_terms t set chunks = t.chunks - gone.chunks
     from gone where t.word = gone.word and t.chunks > gone.chunks`,
    [source],
  );
}
