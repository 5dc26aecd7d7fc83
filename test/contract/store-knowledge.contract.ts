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

    /** A made-up word no other test uses, which the English stemmer leaves as it is. */
    const uniqueWord = (): string =>
      `zx${randomUUID()
        .replace(/-/g, '')
        .slice(0, 10)
        .replace(/[0-9a-f]/g, (digit) => 'bcdfghjklmnpqrtv'[Number.parseInt(digit, 16)]!)}`;
    const coverageOf = async (query: string, source: string, position = 0) =>
      mine(await store.knowledge.search(query, 20), source).find(
        (passage) => passage.position === position,
      )?.coverage;

    it("gives each passage its coverage of the query, the query's rarer words weighing more", async () => {
      const [rare, common] = [uniqueWord(), uniqueWord()];
      const document = documentOf({
        chunks: [
          { title: 'One', content: `${rare} and ${common}` },
          { title: 'Two', content: `${common} again` },
          { title: 'Three', content: `${common} once more` },
        ],
      });
      await store.knowledge.putDocument(document);

      // All of the query's words: all of its information.
      expect(await coverageOf(`${rare} ${common}`, document.source, 0)).toBe(1);
      // The word in three chunks tells less than the word in one: under half.
      const commonOnly = await coverageOf(`${rare} ${common}`, document.source, 1);
      expect(commonOnly).toBeGreaterThan(0);
      expect(commonOnly).toBeLessThan(0.5);
      // A word the knowledge never uses weighs most: the rare word alone is under half, too.
      const withUnknown = await coverageOf(`${rare} ${uniqueWord()}`, document.source, 0);
      expect(withUnknown).toBeGreaterThan(0);
      expect(withUnknown).toBeLessThan(0.5);
    });

    it("keeps each word's chunk count as documents are replaced and removed", async () => {
      const [asked, other] = [uniqueWord(), uniqueWord()];
      const holder = documentOf({ chunks: [{ title: 'Holder', content: `${asked} here` }] });
      const others = documentOf({
        chunks: [1, 2, 3].map((part) => ({ title: `Part ${part}`, content: `${other} ${part}` })),
      });
      await store.knowledge.putDocument(holder);
      await store.knowledge.putDocument(others);
      const query = `${asked} ${other}`;
      const withOthers = await coverageOf(query, holder.source);
      // `other` is in three chunks, `asked` in one: the holder has most of the information.
      expect(withOthers).toBeGreaterThan(0.5);

      // Replaced without the word: it now weighs as a word never indexed.
      await store.knowledge.putDocument({
        ...others,
        checksum: 'two',
        chunks: [1, 2, 3].map((part) => ({ title: `Part ${part}`, content: `text ${part}` })),
      });
      const replaced = await coverageOf(query, holder.source);
      expect(replaced).toBe(await coverageOf(`${asked} ${uniqueWord()}`, holder.source));
      expect(replaced).toBeLessThan(0.5);

      // Back as it was: the same coverage as before.
      await store.knowledge.putDocument(others);
      expect(await coverageOf(query, holder.source)).toBe(withOthers);

      // Removed: the word is unknown again.
      await store.knowledge.removeDocument(others.source);
      expect(await coverageOf(query, holder.source)).toBe(
        await coverageOf(`${asked} ${uniqueWord()}`, holder.source),
      );
    });

    it('counts the words right when two writers replace the same document at once', async () => {
      const [asked, shared, control] = [uniqueWord(), uniqueWord(), uniqueWord()];
      const holder = documentOf({ chunks: [{ title: 'Holder', content: `${asked} here` }] });
      const threeOf = (word: string) =>
        [1, 2, 3].map((part) => ({ title: `Part ${part}`, content: `${word} ${part}` }));
      // The control word is in three chunks, as `shared` must be whichever writer wins.
      await store.knowledge.putDocument(holder);
      await store.knowledge.putDocument(documentOf({ chunks: threeOf(control) }));
      const raced = documentOf({ chunks: threeOf(shared) });
      await store.knowledge.putDocument(raced);

      // Open connections first (a pool's), so the two writers do run at the same time.
      await Promise.all([1, 2, 3].map(() => store.knowledge.listDocuments()));
      await Promise.all(
        ['two', 'three'].map((checksum) =>
          store.knowledge.putDocument({ ...raced, checksum, chunks: threeOf(shared) }),
        ),
      );

      expect(await coverageOf(`${asked} ${shared}`, holder.source)).toBe(
        await coverageOf(`${asked} ${control}`, holder.source),
      );
    });

    it('finds nothing for unrelated words, stop words alone or query syntax, and never throws', async () => {
      const document = documentOf();
      await store.knowledge.putDocument(document);

      for (const query of ['quantum chromodynamics', 'the and of', '', "!!! & | ( ' :*"])
        expect(mine(await store.knowledge.search(query, 5), document.source), query).toEqual([]);
    });
  });
}
