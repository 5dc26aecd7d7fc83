/**
 * Knowledge sources, as stored (docs/architecture.md §12): documents split into chunks, searched
 * with Postgres full-text ranking. `postgres-knowledge.ts` implements it over PGlite and PostgreSQL.
 */

/** One section of a document: what search returns, and what a citation points at. */
export interface KnowledgeChunk {
  /** The document's path in the knowledge folder, e.g. `bikes/commuter.md`. */
  source: string;
  /** The document's public address, when its front matter gives one. */
  url: string | null;
  /** The document's title. */
  documentTitle: string;
  /** The section's heading (the document title for text before the first heading). */
  title: string;
  /** The section's place in the document, from 0. */
  position: number;
  content: string;
}

export interface KnowledgePassage extends KnowledgeChunk {
  /** Full-text rank: higher is better; only comparable within one search. */
  rank: number;
  /**
   * The share (0–1, three decimals) of the query's information this passage holds: its words
   * found here, each weighed by how rare it is in the knowledge (BM25's idf, so a word no chunk
   * holds weighs most). What the answerability rule reads (server/knowledge/answerability.ts).
   */
  coverage: number;
}

export interface KnowledgeDocument {
  source: string;
  title: string;
  url: string | null;
  /** Of the file's bytes: the indexer re-indexes a document only when it changes. */
  checksum: string;
  chunks: { title: string; content: string }[];
}

export interface Knowledge {
  /** Stores `document` and its chunks, replacing what was stored for its source. */
  putDocument(document: KnowledgeDocument): Promise<void>;
  /** Forgets a document and its chunks; nothing happens when it is not stored. */
  removeDocument(source: string): Promise<void>;
  /** Every stored document's source and checksum, by source. */
  listDocuments(): Promise<{ source: string; checksum: string }[]>;
  /**
   * The chunks that best match `query` (words in any order; any of them may match), best first,
   * at most `limit`. Empty when nothing matches or the query has no searchable words.
   */
  search(query: string, limit: number): Promise<KnowledgePassage[]>;
}
