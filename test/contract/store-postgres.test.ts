import { describe, expect, inject, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { openTestPostgres } from '../helpers/databases.ts';
import { describeStoreContract } from './store.contract.ts';

describeStoreContract(
  `a PostgreSQL ${inject('postgresVersion').split(' ')[0]} server`,
  async () => (await openTestPostgres()).sql,
);

describe('several orchestrators on one PostgreSQL server', () => {
  it('claims 1,000 queued runs from two store instances concurrently, each exactly once', async () => {
    const { sql, url } = await openTestPostgres({ max: 10 });
    const first = createPostgresStores(sql);
    const second = createPostgresStores(
      (await import('../../server/store/pg-sql.ts')).PgSql.connect(url, { max: 10 }),
    );
    try {
      await first.rooms.ensureRoom({ id: 'busy', title: 'Busy room' });
      const posts = Array.from({ length: 100 }, (_, index) =>
        postHumanMessage(first, {
          id: crypto.randomUUID(),
          roomId: 'busy',
          author: { kind: 'human', id: 'ada', name: 'Ada' },
          content: `message ${index}`,
          runs: Array.from({ length: 10 }, (__, agent) => ({
            agentId: `agent-${agent}`,
            reason: 'all' as const,
          })),
        }),
      );
      const queued = (await Promise.all(posts)).flatMap((post) => post.runs.map((run) => run.id));
      expect(queued).toHaveLength(1000);

      const claims = new Map<string, string[]>();
      const drain = async (store: PostgresStores, owner: string, worker: number) => {
        for (;;) {
          const batch = await store.runs.claimRuns({
            owner: `${owner}/${worker}`,
            leaseMs: 60_000,
            limit: 7,
          });
          if (batch.length === 0) return;
          for (const run of batch) claims.set(run.id, [...(claims.get(run.id) ?? []), owner]);
        }
      };
      // Four concurrent claimers per instance, so the two instances really race on the same rows.
      await Promise.all(
        [0, 1, 2, 3].flatMap((worker) => [drain(first, 'a', worker), drain(second, 'b', worker)]),
      );

      expect([...claims.keys()].sort()).toEqual([...queued].sort());
      expect([...claims.values()].filter((owners) => owners.length !== 1)).toEqual([]);
      const owners = [...claims.values()].map(([owner]) => owner);
      expect(owners.filter((owner) => owner === 'a').length).toBeGreaterThan(0);
      expect(owners.filter((owner) => owner === 'b').length).toBeGreaterThan(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
