import { PostgresAuditLog } from './postgres-audit-log.ts';
import { PostgresBudget } from './postgres-budget.ts';
import { PostgresKnowledge } from './postgres-knowledge.ts';
import { PostgresRooms } from './postgres-rooms.ts';
import { PostgresRunQueue } from './postgres-run-queue.ts';
import { PostgresSummaries } from './postgres-summaries.ts';
import { PostgresTranscript } from './postgres-transcript.ts';
import { PostgresWebhookOutbox } from './postgres-webhook-outbox.ts';
import type { Sql } from './sql.ts';
import type { Stores } from './store.ts';

/** Every part of the store over one database; `sql` stays reachable for tests and benchmarks that inspect rows. */
export type PostgresStores = Stores & { readonly sql: Sql };

/**
 * The store's parts over any Postgres: PGlite in-process or a server through node-postgres.
 * @example const stores = createPostgresStores(await PGliteSql.open());
 */
export function createPostgresStores(sql: Sql): PostgresStores {
  return {
    sql,
    rooms: new PostgresRooms(sql),
    transcript: new PostgresTranscript(sql),
    runs: new PostgresRunQueue(sql),
    budget: new PostgresBudget(sql),
    summaries: new PostgresSummaries(sql),
    audit: new PostgresAuditLog(sql),
    webhooks: new PostgresWebhookOutbox(sql),
    knowledge: new PostgresKnowledge(sql),
    transaction: (work) => sql.transaction(work),
    close: () => sql.close(),
  };
}
