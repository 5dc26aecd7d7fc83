/**
 * The contract of `WebhookOutbox` (server/store/webhook-outbox.ts): events written with what they
 * report, claimed by one worker at a time under a lease, retried when due, given back, pruned.
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import type { NewWebhookEvent } from '../../server/store/webhook-outbox.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { ada, roomFixtures } from './store-contract-fixtures.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeWebhookOutboxContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`WebhookOutbox contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    // Claims take any room's due events: each test starts from an empty outbox.
    beforeEach(async () => {
      await store.sql.query('delete from webhook_outbox');
    });
    const { freshRoom } = roomFixtures(() => store);
    const event = (roomId: string, data: Record<string, unknown> = {}): NewWebhookEvent => ({
      type: 'reply.completed',
      roomId,
      data,
    });

    it('queues an event pending, with a stable id, its data as given, and wakes listeners', async () => {
      const woken: string[] = [];
      const stop = await store.webhooks.onEventsQueued(() => woken.push('queued'));
      try {
        const id = randomUUID();
        const queued = await store.webhooks.enqueueEvent({
          ...event('room-a', { text: 'héllo 👋', nested: { n: 1 } }),
          id,
        });
        expect(queued).toMatchObject({
          id,
          type: 'reply.completed',
          roomId: 'room-a',
          data: { text: 'héllo 👋', nested: { n: 1 } },
          status: 'pending',
          attempts: 0,
          lastStatusCode: null,
          deliveredAt: null,
        });
        expect(await store.webhooks.getEvent(id)).toEqual(queued);
        expect(await store.webhooks.listEvents('room-a')).toEqual([queued]);
        await waitFor(() => woken.length > 0, { what: 'the NOTIFY' });
      } finally {
        await stop();
      }
    });

    it('writes message.created in the post’s transaction: once, and never for a post that rolled back', async () => {
      const room = await freshRoom();
      const stores = { ...store, transaction: store.transaction, webhooks: store.webhooks };
      const input = { id: randomUUID(), roomId: room.id, author: ada, content: 'Hi', runs: [] };
      const posted = await postHumanMessage(stores, input);
      await postHumanMessage(stores, input); // an idempotent retry queues nothing new
      const events = await store.webhooks.listEvents(room.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'message.created',
        data: { message: { id: posted.message.id, content: 'Hi', author: ada } },
      });

      await expect(
        postHumanMessage(stores, { ...input, content: 'Other content' }),
      ).rejects.toThrow();
      // Something fails after the event was written: the post and its event go together.
      const failing = {
        ...stores,
        webhooks: {
          async enqueueEvent(...args: Parameters<PostgresStores['webhooks']['enqueueEvent']>) {
            await store.webhooks.enqueueEvent(...args);
            throw new Error('the transaction failed after the event');
          },
        },
      };
      const lost = randomUUID();
      await expect(postHumanMessage(failing, { ...input, id: lost })).rejects.toThrow(
        /failed after the event/,
      );
      expect(await store.transcript.getMessage(lost)).toBeNull();
      expect(await store.webhooks.listEvents(room.id)).toHaveLength(1);
    });

    it('leases a claim: no one else takes it until the lease expires, then it counts another attempt', async () => {
      const queued = await store.webhooks.enqueueEvent(event('room-b'));
      const [claimed] = await store.webhooks.claimEvents({ owner: 'one', leaseMs: 300 });
      expect(claimed).toMatchObject({ id: queued.id, attempts: 1, status: 'pending' });
      expect(await store.webhooks.claimEvents({ owner: 'two', leaseMs: 300 })).toEqual([]);
      await sleep(400); // the first owner died mid-delivery
      const [again] = await store.webhooks.claimEvents({ owner: 'two', leaseMs: 60_000 });
      expect(again).toMatchObject({ id: queued.id, attempts: 2 });
      // The first owner's late answer is refused: the event is two's now.
      expect(
        await store.webhooks.recordAttempt(queued.id, 'one', {
          result: 'delivered',
          statusCode: 200,
        }),
      ).toBe(false);
      expect(
        await store.webhooks.recordAttempt(queued.id, 'two', {
          result: 'delivered',
          statusCode: 204,
        }),
      ).toBe(true);
      expect(await store.webhooks.getEvent(queued.id)).toMatchObject({
        status: 'delivered',
        attempts: 2,
        lastStatusCode: 204,
        lastError: null,
        deliveredAt: expect.any(String),
      });
      expect(await store.webhooks.claimEvents({ owner: 'three', leaseMs: 1000 })).toEqual([]);
    });

    it('keeps a retried event out of claims until its delay has passed; a failed one for good', async () => {
      const retried = await store.webhooks.enqueueEvent(event('room-c'));
      const failed = await store.webhooks.enqueueEvent(event('room-c'));
      const claimed = await store.webhooks.claimEvents({ owner: 'w', leaseMs: 60_000 });
      // Oldest first; an earlier test's event whose lease ran out may be due too.
      expect(claimed.filter((entry) => entry.roomId === 'room-c').map((entry) => entry.id)).toEqual(
        [retried.id, failed.id],
      );
      await store.webhooks.recordAttempt(retried.id, 'w', {
        result: 'retry',
        delayMs: 400,
        statusCode: 500,
        error: 'HTTP 500',
      });
      await store.webhooks.recordAttempt(failed.id, 'w', {
        result: 'failed',
        statusCode: null,
        error: 'network error ECONNREFUSED',
      });
      expect(await store.webhooks.getEvent(retried.id)).toMatchObject({
        status: 'pending',
        lastStatusCode: 500,
        lastError: 'HTTP 500',
      });
      expect(await store.webhooks.getEvent(failed.id)).toMatchObject({
        status: 'failed',
        lastError: 'network error ECONNREFUSED',
      });
      const ofRoom = async () =>
        (await store.webhooks.claimEvents({ owner: 'w', leaseMs: 60_000 })).filter(
          (entry) => entry.roomId === 'room-c',
        );
      expect(await ofRoom()).toEqual([]);
      await sleep(500);
      const [due] = await ofRoom();
      expect(due).toMatchObject({ id: retried.id, attempts: 2 });
    });

    it('gives a claim back due at once, the attempt not counted', async () => {
      const queued = await store.webhooks.enqueueEvent(event('room-d'));
      await store.webhooks.claimEvents({ owner: 'closing', leaseMs: 60_000 });
      expect(await store.webhooks.releaseEvent(queued.id, 'someone-else')).toBe(false);
      expect(await store.webhooks.releaseEvent(queued.id, 'closing')).toBe(true);
      const [again] = await store.webhooks.claimEvents({ owner: 'next', leaseMs: 60_000 });
      expect(again).toMatchObject({ id: queued.id, attempts: 1 });
    });

    it('prunes delivered and failed events past the retention, never pending ones', async () => {
      const delivered = await store.webhooks.enqueueEvent(event('room-e'));
      const pending = await store.webhooks.enqueueEvent(event('room-e'));
      // Earlier tests' events may be due before it: claim until it is ours.
      for (let claims = 0; claims < 50; claims += 1) {
        const [claimed] = await store.webhooks.claimEvents({
          owner: 'pruner',
          leaseMs: 60_000,
          limit: 1,
        });
        if (claimed === undefined || claimed.id === delivered.id) break;
      }
      expect(
        await store.webhooks.recordAttempt(delivered.id, 'pruner', {
          result: 'delivered',
          statusCode: 200,
        }),
      ).toBe(true);
      expect(await store.webhooks.pruneEvents(60_000)).toBe(0);
      await sleep(50);
      expect(await store.webhooks.pruneEvents(10)).toBe(1);
      expect((await store.webhooks.listEvents('room-e')).map((entry) => entry.id)).toEqual([
        pending.id,
      ]);
    });

    it('hands 200 events to four concurrent claimers, each exactly once', async () => {
      {
        const queued = await Promise.all(
          Array.from({ length: 200 }, (_, index) =>
            store.webhooks.enqueueEvent(event('room-f', { index })),
          ),
        );
        const owners = new Map<string, string[]>();
        const drain = async (stores: PostgresStores, owner: string) => {
          for (;;) {
            const batch = await stores.webhooks.claimEvents({ owner, leaseMs: 60_000, limit: 7 });
            if (batch.length === 0) return;
            for (const claimed of batch)
              owners.set(claimed.id, [...(owners.get(claimed.id) ?? []), owner]);
          }
        };
        // On PostgreSQL each claim runs on its own pooled connection, so they really race.
        await Promise.all(['a', 'b', 'c', 'd'].map((owner) => drain(store, owner)));
        expect([...owners.keys()].sort()).toEqual(queued.map((entry) => entry.id).sort());
        expect([...owners.values()].filter((list) => list.length !== 1)).toEqual([]);
        expect(new Set([...owners.values()].flat()).size).toBeGreaterThan(1);
      }
    });
  });
}
