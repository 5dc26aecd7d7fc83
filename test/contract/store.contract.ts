/**
 * The store's contract: one suite per part, each run against every Sql implementation (PGlite in
 * memory and a real Postgres server), so both deployments behave the same.
 */
import type { Sql } from '../../server/store/sql.ts';
import { describeAuditLogContract } from './store-audit-log.contract.ts';
import { describeBudgetContract } from './store-budget.contract.ts';
import { describeKnowledgeContract } from './store-knowledge.contract.ts';
import { describeRoomsContract } from './store-rooms.contract.ts';
import { describeRunQueueContract } from './store-run-queue.contract.ts';
import { describeSummariesContract } from './store-summaries.contract.ts';
import { describeTranscriptContract } from './store-transcript.contract.ts';
import { describeWebhookOutboxContract } from './store-webhook-outbox.contract.ts';

export function describeStoreContract(name: string, openSql: () => Promise<Sql>): void {
  describeRoomsContract(name, openSql);
  describeTranscriptContract(name, openSql);
  describeRunQueueContract(name, openSql);
  describeBudgetContract(name, openSql);
  describeSummariesContract(name, openSql);
  describeAuditLogContract(name, openSql);
  describeWebhookOutboxContract(name, openSql);
  describeKnowledgeContract(name, openSql);
}
