/**
 * The contract of `Budget` (server/store/budget.ts): usage per room and day, reservations and the notice.
 * Run on PGlite in memory and on a real Postgres server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { Sql } from '../../server/store/sql.ts';
import { roomFixtures } from './store-contract-fixtures.ts';

export function describeBudgetContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Budget contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());
    const { freshRoom, post } = roomFixtures(() => store);

    describe('token reservations', () => {
      it('reserves within the budget only, lets runs wait while others hold reservations, and settles real usage', async () => {
        const room = await freshRoom();
        const { runs } = await post(room.id, 'Go', [
          { agentId: 'sage', reason: 'all' },
          { agentId: 'scout', reason: 'all' },
        ]);
        const [first, second] = [runs[0]!, runs[1]!];
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: first.id,
            tokens: 600,
            budget: 1000,
          }),
        ).toBe('reserved');
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: second.id,
            tokens: 600,
            budget: 1000,
          }),
        ).toBe('wait');
        expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 0, reserved: 600 });

        await store.budget.settleTokens({
          roomId: room.id,
          runId: first.id,
          usage: { inputTokens: 200, outputTokens: 100 },
        });
        expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 300, reserved: 0 });
        expect(await store.budget.getTokenUsage(room.id)).toEqual({
          inputTokens: 200,
          outputTokens: 100,
        });
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: second.id,
            tokens: 600,
            budget: 1000,
          }),
        ).toBe('reserved');
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: second.id,
            tokens: 200,
            budget: 1000,
          }),
        ).toBe('wait');
        await store.budget.settleTokens({
          roomId: room.id,
          runId: second.id,
          usage: { inputTokens: 500, outputTokens: 150 },
        });
        expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 950, reserved: 0 });
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: second.id,
            tokens: 100,
            budget: 1000,
          }),
        ).toBe('exhausted');
      });

      it('never lets concurrent reservations together exceed the budget', async () => {
        const room = await freshRoom();
        const { runs } = await post(
          room.id,
          'Everyone at once',
          Array.from({ length: 20 }, () => ({ agentId: 'sage', reason: 'all' as const })),
        );
        const outcomes = await Promise.all(
          runs.map((run) =>
            store.budget.reserveTokens({
              roomId: room.id,
              runId: run.id,
              tokens: 300,
              budget: 1000,
            }),
          ),
        );
        expect(outcomes.filter((outcome) => outcome === 'reserved')).toHaveLength(3);
        expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 0, reserved: 900 });
      });

      it("reserves for several rooms' runs at once: a room's together when they fit, else in order", async () => {
        const [roomy, tight] = [await freshRoom(), await freshRoom()];
        const agents = [
          { agentId: 'sage', reason: 'all' as const },
          { agentId: 'scout', reason: 'all' as const },
        ];
        const [a, b] = (await post(roomy.id, 'Go', agents)).runs;
        const [c, d] = (await post(tight.id, 'Go', agents)).runs;
        const ask = (roomId: string, runId: string) => ({
          roomId,
          runId,
          tokens: 600,
          budget: 1000,
        });
        expect(
          await store.budget.reserveTokensForRuns([
            ask(tight.id, c!.id),
            { ...ask(roomy.id, a!.id), budget: 2000 },
            ask(tight.id, d!.id),
            { ...ask(roomy.id, b!.id), budget: 2000 },
          ]),
        ).toEqual(['reserved', 'reserved', 'wait', 'reserved']);
        expect(await store.budget.getTokenBudget(roomy.id)).toEqual({ used: 0, reserved: 1200 });
        expect(await store.budget.getTokenBudget(tight.id)).toEqual({ used: 0, reserved: 600 });
        // Each run holds its own share: settling one gives back only that.
        await store.budget.settleTokens({
          roomId: roomy.id,
          runId: a!.id,
          usage: { inputTokens: 100, outputTokens: 0 },
        });
        expect(await store.budget.getTokenBudget(roomy.id)).toEqual({ used: 100, reserved: 600 });
        await store.budget.settleTokens({
          roomId: tight.id,
          runId: d!.id,
          usage: { inputTokens: 0, outputTokens: 0 },
        });
        expect(await store.budget.getTokenBudget(tight.id)).toEqual({ used: 0, reserved: 600 });
      });

      it('charges a crashed run its whole reservation', async () => {
        const room = await freshRoom();
        await post(room.id, 'Hi', [{ agentId: 'sage', reason: 'default' }]);
        const [run] = await store.runs.claimRuns({ owner: 'crashed', leaseMs: 1, roomId: room.id });
        expect(
          await store.budget.reserveTokens({
            roomId: room.id,
            runId: run!.id,
            tokens: 400,
            budget: 1000,
          }),
        ).toBe('reserved');
        await new Promise((resolve) => setTimeout(resolve, 20));
        await store.runs.recoverExpiredRuns();
        expect(await store.budget.getTokenBudget(room.id)).toEqual({ used: 400, reserved: 0 });
      });

      it("has a support room's conversations spend its one budget, each told of it on its own", async () => {
        const desk = await freshRoom({ kind: 'support' });
        const conversation = async (visitorId: string) =>
          (
            await store.rooms.openConversation({
              parentId: desk.id,
              visitor: { id: visitorId, name: visitorId, role: 'guest' },
              title: visitorId,
            })
          ).room;
        const [one, two] = [await conversation('v1'), await conversation('v2')];
        const [first] = (await post(one.id, 'Hi', [{ agentId: 'sage', reason: 'default' }])).runs;
        const [second] = (await post(two.id, 'Hi', [{ agentId: 'sage', reason: 'default' }])).runs;
        const reserve = (roomId: string, runId: string) =>
          store.budget.reserveTokens({ roomId, runId, tokens: 600, budget: 1000 });
        expect(await reserve(one.id, first!.id)).toBe('reserved');
        expect(await reserve(two.id, second!.id)).toBe('wait');
        await store.budget.settleTokens({
          roomId: one.id,
          runId: first!.id,
          usage: { inputTokens: 500, outputTokens: 200 },
        });
        expect(await store.budget.getTokenBudget(two.id)).toEqual({ used: 700, reserved: 0 });
        expect(await store.budget.getTokenBudget(desk.id)).toEqual({ used: 700, reserved: 0 });
        expect(await reserve(two.id, second!.id)).toBe('exhausted');
        expect(await store.budget.claimBudgetNotice(one.id)).toBe(true);
        expect(await store.budget.claimBudgetNotice(two.id)).toBe(true);
      });

      it('gives the budget notice to one caller per room and day', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        const claims = await Promise.all(
          Array.from({ length: 10 }, () => store.budget.claimBudgetNotice(room.id)),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.budget.claimBudgetNotice(other.id)).toBe(true);
        expect(await store.budget.claimBudgetNotice(room.id, '2020-01-01')).toBe(true);
      });
    });

    describe('usage', () => {
      it('adds token usage per room per day', async () => {
        const [room, other] = [await freshRoom(), await freshRoom()];
        await store.budget.addTokenUsage(room.id, { inputTokens: 100, outputTokens: 20 });
        await store.budget.addTokenUsage(room.id, { inputTokens: 50, outputTokens: 5 });
        await store.budget.addTokenUsage(
          room.id,
          { inputTokens: 7, outputTokens: 7 },
          '2020-01-01',
        );
        expect(await store.budget.getTokenUsage(room.id)).toEqual({
          inputTokens: 150,
          outputTokens: 25,
        });
        expect(await store.budget.getTokenUsage(room.id, '2020-01-01')).toEqual({
          inputTokens: 7,
          outputTokens: 7,
        });
        expect(await store.budget.getTokenUsage(other.id)).toEqual({
          inputTokens: 0,
          outputTokens: 0,
        });
      });
    });
  });
}
