import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimedRun,
  openTestStores,
  recordingLogger,
} from '../../test/helpers/orchestrator-harness.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import type { PostgresStores } from '../store/postgres-stores.ts';
import type { ReplySnapshot } from '../store/transcript.ts';
import { ReplyCheckpoints, RunLeases } from './reply-checkpoints.ts';

let stores: PostgresStores;
beforeAll(async () => {
  stores = await openTestStores();
});
afterAll(() => stores.close());

/** A streaming reply row for `agentId` in `roomId`, as the reply run starts it. */
async function streamingReply(roomId: string, agentId: string) {
  const run = await claimedRun(stores, { roomId, agentId });
  await stores.transcript.startAgentMessage({
    id: run.messageId,
    roomId,
    author: { kind: 'agent', id: agentId, name: agentId },
    replyTo: run.triggerMessageId,
    reason: 'default',
    model: agentId,
  });
  return run;
}

const contentOf = async (id: string) => (await stores.transcript.getMessage(id))!.content;

describe('ReplyCheckpoints', () => {
  it('writes every tracked reply whose text moved, each interval, and stops with the reply', async () => {
    const checkpoints = new ReplyCheckpoints(stores.transcript, 40, recordingLogger());
    const a = await streamingReply('checkpoints-a', 'sage');
    const b = await streamingReply('checkpoints-b', 'scout');
    const snapshots = new Map<string, ReplySnapshot>([
      [a.messageId, { content: 'Alpha', parts: [], seq: 1 }],
      [b.messageId, { content: 'Beta', parts: [], seq: 1 }],
    ]);
    const stopA = checkpoints.track(a.messageId, () => snapshots.get(a.messageId)!);
    const stopB = checkpoints.track(b.messageId, () => snapshots.get(b.messageId)!);
    await waitFor(async () => (await contentOf(a.messageId)) === 'Alpha', { what: 'a written' });
    expect(await contentOf(b.messageId)).toBe('Beta');

    stopA();
    snapshots.set(a.messageId, { content: 'Alpha, after it ended', parts: [], seq: 2 });
    snapshots.set(b.messageId, { content: 'Beta, later', parts: [], seq: 2 });
    await waitFor(async () => (await contentOf(b.messageId)) === 'Beta, later', {
      what: 'b written again',
    });
    expect(await contentOf(a.messageId)).toBe('Alpha'); // untracked: no longer written
    stopB();
    checkpoints.close();
  });
});

describe('RunLeases', () => {
  it('renews the leases a process holds and tells a run whose lease another process took', async () => {
    const leases = new RunLeases(stores.runs, 'test-worker', 150, recordingLogger());
    const kept = await claimedRun(stores, { roomId: 'leases-kept', agentId: 'sage' });
    const taken = await claimedRun(stores, { roomId: 'leases-taken', agentId: 'scout' });
    const lost: string[] = [];
    const releaseKept = leases.hold(kept.id, () => lost.push(kept.id));
    const releaseTaken = leases.hold(taken.id, () => lost.push(taken.id));
    await stores.sql.query(`update agent_runs set lease_owner = 'other-worker' where id = $1`, [
      taken.id,
    ]);
    await waitFor(() => lost.length > 0, { what: 'the taken run told' });
    expect(lost).toEqual([taken.id]);
    const { rows } = await stores.sql.query<{ left: number }>(
      `select extract(epoch from lease_expires_at - now()) * 1000 as left from agent_runs where id = $1`,
      [kept.id],
    );
    expect(Number(rows[0]!.left)).toBeLessThanOrEqual(150); // renewed to 150 ms, from 60 s
    releaseKept();
    releaseTaken();
    leases.close();
  });
});
