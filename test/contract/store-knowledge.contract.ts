/**
 * The contract of `Knowledge` (server/store/knowledge.ts): documents replaced whole, forgotten,
 * and searched by Postgres full-text ranking. Run on PGlite in memory and on a real Postgres
 * server (store-pglite.test.ts, store-postgres.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { KnowledgeDocument } from '../../server/store/knowledge.ts';
import type { Sql } from '../../server/store/sql.ts';

export function describeKnowledgeContract(name: string, openSql: () => Promise<Sql>): void {
  describe(`Knowledge contract on ${name}`, () => {
    let store: PostgresStores;
    beforeAll(async () => {
      store = createPostgresStores(await openSql());
    });
    afterAll(() => store.close());

    /** A document under a fresh folder, so suites sharing a database never see each other's. */
    const documentOf = (overrides: Partial<KnowledgeDocument> = {}): KnowledgeDocument => ({
      source: `${randomUUID()}/returns.md`,
      title: 'Returns',
      url: null,
      checksum: 'one',
      chunks: [
        {
          title: 'Returns',
          content: 'You can return an unused bike within 30 days for a full refund.',
        },
        {
          title: 'Returns › Opening hours',
          content: 'The shop is open Monday to Saturday, 9:00 to 18:00.',
        },
      ],
      ...overrides,
    });
    const mine = <Passage extends { source: string }>(
      passages: Passage[],
      source: string,
    ): Passage[] => passages.filter((passage) => passage.source === source);

    it('finds the best chunk for a question in plain words, with its document, title and position', async () => {
      const document = documentOf({ url: 'https://northwind.example/returns' });
      await store.knowledge.putDocument(document);

      const found = mine(
        await store.knowledge.search('Can I return my bike and get a refund?', 5),
        document.source,
      );

      expect(found[0]).toMatchObject({
        source: document.source,
        url: 'https://northwind.example/returns',
        documentTitle: 'Returns',
        title: 'Returns',
        position: 0,
        content: expect.stringContaining('30 days'),
      });
      expect(found[0]!.rank).toBeGreaterThan(0);
      // Stemmed: "opening" and "hours" find the second section, and only that one ranks first.
      const hours = mine(
        await store.knowledge.search('When are you open? hours', 5),
        document.source,
      );
      expect(hours[0]).toMatchObject({ position: 1, title: 'Returns › Opening hours' });
    });

    it('ranks the chunk matching more of the words first', async () => {
      const document = documentOf({
        chunks: [
          { title: 'Delivery', content: 'We deliver bikes in two days.' },
          {
            title: 'Delivery to the islands',
            content: 'Deliveries to the islands take five days by ferry.',
          },
        ],
      });
      await store.knowledge.putDocument(document);

      const found = mine(
        await store.knowledge.search('how long does delivery to the islands take', 5),
        document.source,
      );

      expect(found.map((passage) => passage.position)).toEqual([1, 0]);
    });

    it('replaces a document whole, and forgets a removed one', async () => {
      const document = documentOf();
      await store.knowledge.putDocument(document);
      await store.knowledge.putDocument({
        ...document,
        checksum: 'two',
        chunks: [{ title: 'Returns', content: 'Returns are accepted within 14 days.' }],
      });

      expect(
        (await store.knowledge.listDocuments()).find((known) => known.source === document.source),
      ).toEqual({ source: document.source, checksum: 'two' });
      expect(mine(await store.knowledge.search('unused full refund', 5), document.source)).toEqual(
        [],
      );
      expect(mine(await store.knowledge.search('14 days', 5), document.source)).toHaveLength(1);

      await store.knowledge.removeDocument(document.source);
      expect(
        (await store.knowledge.listDocuments()).some((known) => known.source === document.source),
      ).toBe(false);
      expect(mine(await store.knowledge.search('returns accepted', 5), document.source)).toEqual(
        [],
      );
      await store.knowledge.removeDocument(document.source); // already gone: no error
    });

    it('finds nothing for unrelated words, stop words alone or query syntax, and never throws', async () => {
      const document = documentOf();
      await store.knowledge.putDocument(document);

      for (const query of ['quantum chromodynamics', 'the and of', '', "!!! & | ( ' :*"])
        expect(mine(await store.knowledge.search(query, 5), document.source), query).toEqual([]);
    });
  });
}
