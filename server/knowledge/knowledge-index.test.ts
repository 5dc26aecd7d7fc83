import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPGlite } from '../../test/helpers/databases.ts';
import { createPostgresStores, type PostgresStores } from '../store/postgres-stores.ts';
import { chunkDocument } from './chunk-document.ts';
import { indexKnowledgeDir, watchKnowledgeDir } from './knowledge-index.ts';

describe('chunkDocument', () => {
  it('splits Markdown at headings, titling each chunk by its heading path, and reads front matter', () => {
    const document = chunkDocument(
      'service/returns.md',
      '---\nurl: https://northwind.example/returns\n---\n# Returns\nWithin 30 days.\n\n## Refunds\nTo your card.\n```\n# not a heading\n```\n',
    );

    expect(document).toEqual({
      title: 'Returns',
      url: 'https://northwind.example/returns',
      chunks: [
        { title: 'Returns', content: 'Within 30 days.' },
        { title: 'Returns › Refunds', content: 'To your card.\n```\n# not a heading\n```' },
      ],
    });
  });

  it('reads HTML as text at its headings, without scripts or tags, entities decoded', () => {
    const document = chunkDocument(
      'hours.html',
      '<html><head><title>Opening hours</title><script>alert(1)</script></head><body><h1>Opening hours</h1><p>Mon&ndash;Sat <b>9:00</b> &amp; Sun closed</p><h2>Holidays</h2><ul><li>Closed 25 Dec</li></ul></body></html>',
    );

    expect(document.title).toBe('Opening hours');
    expect(document.chunks).toEqual([
      { title: 'Opening hours', content: 'Mon–Sat 9:00 & Sun closed' },
      { title: 'Opening hours › Holidays', content: '- Closed 25 Dec' },
    ]);
  });

  it('titles plain text by its file name, and cuts a long text at paragraphs', () => {
    const paragraph = 'Word '.repeat(200).trim();
    const document = chunkDocument('delivery-times.txt', `${paragraph}\n\n${paragraph}`);

    expect(document.title).toBe('Delivery times');
    expect(document.chunks).toHaveLength(2);
    expect(document.chunks.every((chunk) => chunk.content === paragraph)).toBe(true);
  });
});

describe('indexing a knowledge folder into Postgres (PGlite)', () => {
  let store: PostgresStores;
  let dir: string;
  beforeAll(async () => {
    store = createPostgresStores(await openTestPGlite());
    dir = await mkdtemp(path.join(tmpdir(), 'chorus-knowledge-'));
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds new files, skips unchanged ones, re-indexes a changed one and forgets a deleted one', async () => {
    await mkdir(path.join(dir, 'service'));
    await writeFile(path.join(dir, 'service/returns.md'), '# Returns\nReturn within 30 days.');
    await writeFile(path.join(dir, 'hours.txt'), 'Open Monday to Saturday.');
    await writeFile(path.join(dir, 'logo.png'), 'not text');

    expect(await indexKnowledgeDir(dir, store.knowledge)).toEqual({
      added: ['hours.txt', 'service/returns.md'],
      changed: [],
      removed: [],
      unchanged: 0,
    });
    expect((await store.knowledge.search('return days', 3))[0]).toMatchObject({
      source: 'service/returns.md',
      title: 'Returns',
    });

    await writeFile(path.join(dir, 'service/returns.md'), '# Returns\nReturn within 14 days.');
    await rm(path.join(dir, 'hours.txt'));
    expect(await indexKnowledgeDir(dir, store.knowledge)).toEqual({
      added: [],
      changed: ['service/returns.md'],
      removed: ['hours.txt'],
      unchanged: 0,
    });
    expect((await store.knowledge.search('return days', 3))[0]?.content).toContain('14 days');
    expect(await store.knowledge.search('Saturday', 3)).toEqual([]);
    expect((await indexKnowledgeDir(dir, store.knowledge)).unchanged).toBe(1);
  });

  it('the watcher re-indexes when a file is added, changed or deleted', async () => {
    const watched = await mkdtemp(path.join(tmpdir(), 'chorus-knowledge-watch-'));
    const other = createPostgresStores(await openTestPGlite());
    const watcher = watchKnowledgeDir(watched, other.knowledge, { debounceMs: 50 });
    try {
      await watcher.ready;
      const file = path.join(watched, 'warranty.md');
      await writeFile(file, '# Warranty\nFrames are covered for five years.');
      await expect
        .poll(async () => (await other.knowledge.search('frame warranty', 3)).length, {
          timeout: 5000,
        })
        .toBe(1);

      await writeFile(file, '# Warranty\nFrames are covered for ten years.');
      await expect
        .poll(async () => (await other.knowledge.search('frame', 3))[0]?.content, {
          timeout: 5000,
        })
        .toContain('ten years');

      await rm(file);
      await expect
        .poll(async () => (await other.knowledge.listDocuments()).length, { timeout: 5000 })
        .toBe(0);
    } finally {
      watcher.close();
      await other.close();
      await rm(watched, { recursive: true, force: true });
    }
  });
});
