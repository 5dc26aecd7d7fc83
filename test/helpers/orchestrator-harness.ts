import type { Author } from '../../protocol/room.ts';
import type { LogLevel, Logger } from '../../server/lib/logger.ts';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { AgentRun, NewRun } from '../../server/store/run-queue.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { openTestPGlite } from './databases.ts';

/**
 * The pieces unit tests of the orchestrator share: the real store over a migrated in-memory
 * PGlite, and a logger that keeps what it is told. One place to change when the store's shape does.
 */
export async function openTestStores(): Promise<PostgresStores> {
  return createPostgresStores(await openTestPGlite());
}

export interface LogEntry {
  level: LogLevel;
  event: string;
  fields?: Record<string, unknown>;
}

/** A {@link Logger} that records every entry in `entries`. */
export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log = (level: LogLevel, event: string, fields?: Record<string, unknown>) => {
    entries.push({ level, event, ...(fields ? { fields } : {}) });
  };
  return Object.assign(log, { entries });
}

export const ADA: Author = { kind: 'human', id: 'guest:ada', name: 'Ada' };

/**
 * Posts `content` as Ada in `roomId` (created when missing) with one run for `agentId`, and claims
 * it as `owner`: the run a worker would stream.
 */
export async function claimedRun(
  stores: PostgresStores,
  input: {
    roomId: string;
    agentId: string;
    content?: string;
    reason?: NewRun['reason'];
    owner?: string;
  },
): Promise<AgentRun> {
  await stores.rooms.ensureRoom({ id: input.roomId, title: input.roomId });
  await postHumanMessage(stores, {
    id: crypto.randomUUID(),
    roomId: input.roomId,
    author: ADA,
    content: input.content ?? 'A question',
    runs: [{ agentId: input.agentId, reason: input.reason ?? 'default' }],
  });
  const [run] = await stores.runs.claimRuns({
    owner: input.owner ?? 'test-worker',
    leaseMs: 60_000,
    roomId: input.roomId,
    limit: 1,
  });
  if (!run) throw new Error(`no run to claim in room ${input.roomId}`);
  return run;
}
