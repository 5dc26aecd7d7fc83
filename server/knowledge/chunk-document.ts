/**
 * Splits a knowledge file into the chunks that are indexed (docs/architecture.md §12): Markdown
 * and HTML at their headings (each chunk titled by its heading path, "Bikes › Commuter 7"),
 * plain text at blank lines. Long sections are cut at paragraph boundaries so a passage stays
 * quotable. An optional front matter block (`---` … `---`) may give `title:` and `url:`.
 */

/** The most characters one chunk holds; longer sections are split at paragraphs. */
export const MAX_CHUNK_CHARACTERS = 1200;

export interface ChunkedDocument {
  title: string;
  url: string | null;
  chunks: { title: string; content: string }[];
}

/** The file kinds the indexer reads, by extension. */
export function knowledgeKind(path: string): 'markdown' | 'html' | 'text' | undefined {
  if (/\.(md|markdown)$/i.test(path)) return 'markdown';
  if (/\.html?$/i.test(path)) return 'html';
  if (/\.txt$/i.test(path)) return 'text';
  return undefined;
}

/**
 * The chunks of a file named `path` (used for the title when the file has none) with `text`.
 * @example
 * chunkDocument('returns.md', '# Returns\nWithin 30 days.\n## Refunds\nTo your card.').chunks;
 * // [{ title: 'Returns', content: 'Within 30 days.' }, { title: 'Returns › Refunds', content: 'To your card.' }]
 */
export function chunkDocument(path: string, text: string): ChunkedDocument {
  const kind = knowledgeKind(path) ?? 'text';
  const { meta, body } = frontMatter(text.replace(/\r\n?/g, '\n'));
  const markdown = kind === 'html' ? htmlToMarkdown(body) : body;
  const fallbackTitle =
    meta.title ??
    (kind === 'html' ? /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim() : undefined) ??
    /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ??
    fileTitle(path);
  const sections =
    kind === 'text' ? [{ path: [], lines: markdown.split('\n') }] : sectionsOf(markdown);
  const chunks: { title: string; content: string }[] = [];
  for (const section of sections) {
    const title = section.path.length > 0 ? section.path.join(' › ') : fallbackTitle;
    for (const content of splitLong(section.lines.join('\n').trim()))
      if (content !== '') chunks.push({ title, content });
  }
  return { title: fallbackTitle, url: meta.url ?? null, chunks };
}

function frontMatter(text: string): { meta: { title?: string; url?: string }; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(text);
  if (!match) return { meta: {}, body: text };
  const meta: { title?: string; url?: string } = {};
  for (const line of (match[1] ?? '').split('\n')) {
    const field = /^(title|url):\s*(.+)$/.exec(line.trim());
    if (field?.[1] === 'title' || field?.[1] === 'url')
      meta[field[1]] = (field[2] ?? '').replace(/^["']|["']$/g, '').trim();
  }
  return { meta, body: text.slice(match[0].length) };
}

function sectionsOf(markdown: string): { path: string[]; lines: string[] }[] {
  const sections: { path: string[]; lines: string[] }[] = [{ path: [], lines: [] }];
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) {
      sections.at(-1)?.lines.push(line);
      continue;
    }
    const level = heading[1]?.length ?? 1;
    headings.splice(level - 1, headings.length, heading[2] ?? '');
    sections.push({ path: headings.filter(Boolean), lines: [] });
  }
  return sections;
}

function splitLong(content: string): string[] {
  if (content.length <= MAX_CHUNK_CHARACTERS) return [content];
  const pieces: string[] = [];
  let current = '';
  for (const paragraph of content.split(/\n\s*\n/)) {
    if (current !== '' && current.length + paragraph.length + 2 > MAX_CHUNK_CHARACTERS) {
      pieces.push(current);
      current = '';
    }
    current = current === '' ? paragraph : `${current}\n\n${paragraph}`;
    while (current.length > MAX_CHUNK_CHARACTERS) {
      pieces.push(current.slice(0, MAX_CHUNK_CHARACTERS));
      current = current.slice(MAX_CHUNK_CHARACTERS);
    }
  }
  if (current.trim() !== '') pieces.push(current);
  return pieces.map((piece) => piece.trim());
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
};

/** HTML as Markdown-ish text: headings as `#` lines, paragraphs and list items on their own lines, no tags. */
function htmlToMarkdown(html: string): string {
  return html
    .replace(/<(script|style|head|nav|footer)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(
      /<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/gi,
      (_, level: string, inner: string) =>
        `\n${'#'.repeat(Number(level))} ${inner.replace(/<[^>]*>/g, '').trim()}\n`,
    )
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|li|tr|ul|ol|table|section|article)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|[a-z]+);/gi, (entity, name: string) =>
      name.startsWith('#')
        ? String.fromCodePoint(Number(name.slice(1)))
        : (ENTITIES[name.toLowerCase()] ?? entity),
    )
    .replace(/[ \t]+/g, ' ')
    .replace(/\n /g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

function fileTitle(path: string): string {
  const name = (path.split('/').at(-1) ?? path).replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}
