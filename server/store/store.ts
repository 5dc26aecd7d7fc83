/**
 * The store's parts as the server wires them (docs/architecture.md §4): each concept is its own
 * interface (`rooms.ts`, `transcript.ts`, `run-queue.ts`, `budget.ts`, `summaries.ts`,
 * `audit-log.ts`, `webhook-outbox.ts`) and callers depend on the parts they use. `postgres-stores.ts` builds them over
 * one database. The one rule that crosses parts lives here: a human post and its runs commit together.
 */
import type { Author, Message } from '../../protocol/room.ts';
import type { AuditLog } from './audit-log.ts';
import type { Budget } from './budget.ts';
import type { Knowledge } from './knowledge.ts';
import type { Rooms } from './rooms.ts';
import type { AgentRun, NewRun, RunQueue } from './run-queue.ts';
import type { Summaries } from './summaries.ts';
import type { Transcript } from './transcript.ts';
import type { Transactions } from './unit-of-work.ts';
import type { WebhookOutbox } from './webhook-outbox.ts';

export interface Stores extends Transactions {
  rooms: Rooms;
  transcript: Transcript;
  runs: RunQueue;
  budget: Budget;
  summaries: Summaries;
  audit: AuditLog;
  webhooks: WebhookOutbox;
  knowledge: Knowledge;
  close(): Promise<void>;
}

/**
 * What posting a human message needs: the transcript and the run queue, sharing one transaction;
 * and the webhook outbox when webhooks are on (null or absent: no `message.created` is queued).
 */
export type HumanPostStores = Transactions & {
  transcript: Pick<Transcript, 'insertHumanMessage'>;
  runs: Pick<RunQueue, 'enqueueRuns' | 'listRuns'>;
  webhooks?: Pick<WebhookOutbox, 'enqueueEvent'> | null;
};

/**
 * Inserts a human message and its runs in one transaction (the runs' NOTIFY goes out on commit),
 * with its `message.created` webhook event when `stores.webhooks` is set.
 * Idempotent: the same id with the same content returns the stored message and the runs it queued
 * then (`created: false`, no new runs); the same id with other content throws `MessageConflictError`.
 */
export function postHumanMessage(
  stores: HumanPostStores,
  input: { id: string; roomId: string; author: Author; content: string; runs: NewRun[] },
): Promise<{ message: Message; created: boolean; runs: AgentRun[] }> {
  return stores.transaction(async (unit) => {
    const { message, created } = await stores.transcript.insertHumanMessage(input, unit);
    const runs = created
      ? await stores.runs.enqueueRuns(
          { roomId: input.roomId, triggerMessageId: message.id, runs: input.runs },
          unit,
        )
      : await stores.runs.listRuns(message.id, unit);
    if (created && stores.webhooks)
      await stores.webhooks.enqueueEvent(
        { type: 'message.created', roomId: input.roomId, data: { message } },
        unit,
      );
    return { message, created, runs };
  });
}
