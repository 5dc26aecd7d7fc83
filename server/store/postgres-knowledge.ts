import type { Knowledge, KnowledgeDocument, KnowledgePassage } from './knowledge.ts';
import type { Sql } from './sql.ts';

interface PassageRow {
  source: string;
  url: string | null;
  document_title: string;
  title: string;
  position: number;
  content: string;
  rank: number | string;
}

/** The most chunks one search returns, whatever the caller asks for. */
export const MAX_KNOWLEDGE_RESULTS = 20;

/** {@link Knowledge} over any Postgres (PGlite or a server): full-text search with `ts_rank`. */
export class PostgresKnowledge implements Knowledge {
  constructor(private readonly sql: Pick<Sql, 'query' | 'transaction'>) {}

  async putDocument(document: KnowledgeDocument): Promise<void> {
    await this.sql.transaction(async (tx) => {
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
    });
  }

  async removeDocument(source: string): Promise<void> {
    await this.sql.query('delete from knowledge_documents where source = $1', [source]);
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
    const { rows } = await this.sql.query<PassageRow>(
      `with q as (
         select nullif(replace(plainto_tsquery('english', $1)::text, ' & ', ' | '), '')::tsquery as query
       )
       select c.source, d.url, d.title as document_title, c.title, c.position, c.content,
              ts_rank(c.search, q.query) as rank
       from knowledge_chunks c join knowledge_documents d using (source), q
       where q.query is not null and c.search @@ q.query
       order by rank desc, c.source, c.position
       limit $2`,
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
    }));
  }
}
