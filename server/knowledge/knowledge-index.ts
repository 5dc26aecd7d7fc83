/**
 * Keeps the knowledge store in step with a folder (docs/architecture.md §12): at start every
 * Markdown, HTML and text file under it is read, chunked and stored; files whose checksum is
 * unchanged are skipped, and documents whose file is gone are removed. A watcher re-runs the same
 * pass, debounced, when anything in the folder changes.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { Knowledge } from '../store/knowledge.ts';
import { chunkDocument, knowledgeKind } from './chunk-document.ts';

export interface IndexReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

/**
 * Indexes `dir` into `knowledge`. Sources are paths relative to `dir`, with `/` separators.
 * @example
 * await indexKnowledgeDir('demo/knowledge', stores.knowledge); // { added: ['bikes.md', …], … }
 */
export async function indexKnowledgeDir(dir: string, knowledge: Knowledge): Promise<IndexReport> {
  const files = await listFiles(dir);
  const stored = new Map(
    (await knowledge.listDocuments()).map((document) => [document.source, document.checksum]),
  );
  const report: IndexReport = { added: [], changed: [], removed: [], unchanged: 0 };
  for (const source of files) {
    const bytes = await readFile(path.join(dir, source)).catch(() => null);
    if (!bytes) continue; // removed while we were reading: the next pass forgets it
    const checksum = createHash('sha256').update(bytes).digest('hex');
    const known = stored.get(source);
    if (known === checksum) {
      report.unchanged += 1;
      continue;
    }
    const document = chunkDocument(source, bytes.toString('utf8'));
    await knowledge.putDocument({ source, checksum, ...document });
    (known === undefined ? report.added : report.changed).push(source);
  }
  for (const source of stored.keys())
    if (!files.includes(source)) {
      await knowledge.removeDocument(source);
      report.removed.push(source);
    }
  return report;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && knowledgeKind(entry.name) && !entry.name.startsWith('.'))
    .map((entry) =>
      path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort();
}

export interface KnowledgeWatcher {
  /** Resolves after the first pass (the one at start). */
  ready: Promise<IndexReport>;
  close(): void;
}

/**
 * Indexes `dir` now and again, `debounceMs` after the last change, while the watcher is open.
 * Passes never overlap; a change during a pass schedules one more.
 */
export function watchKnowledgeDir(
  dir: string,
  knowledge: Knowledge,
  options: { debounceMs?: number; log?: Logger; onIndexed?: (report: IndexReport) => void } = {},
): KnowledgeWatcher {
  const debounceMs = options.debounceMs ?? 250;
  let running: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const pass = (): Promise<IndexReport | undefined> => {
    const next = running.then(async () => {
      if (closed) return undefined;
      try {
        const report = await indexKnowledgeDir(dir, knowledge);
        if (report.added.length + report.changed.length + report.removed.length > 0)
          options.log?.('info', 'knowledge.indexed', { dir, ...report });
        options.onIndexed?.(report);
        return report;
      } catch (error) {
        options.log?.('warn', 'knowledge.index_failed', { dir, error });
        return undefined;
      }
    });
    running = next.then(() => undefined);
    return next;
  };
  const ready = pass().then(
    (report) => report ?? { added: [], changed: [], removed: [], unchanged: 0 },
  );
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void pass(), debounceMs);
    });
    watcher.on('error', (error) => options.log?.('warn', 'knowledge.watch_failed', { dir, error }));
  } catch (error) {
    options.log?.('warn', 'knowledge.watch_failed', { dir, error });
  }
  return {
    ready,
    close: () => {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
