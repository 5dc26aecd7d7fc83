/**
 * Code comments, lint messages and READMEs cite the design that lives in the repository
 * (docs/architecture.md and docs/realtime-protocol.md, by section number) so a person who clones
 * the project can follow them. This keeps those citations true: no file may name the design
 * briefs these docs replaced (they are not in the repository), every `§N` cited must be a
 * section of the doc it names, and every Markdown link to a heading (`architecture.md#…`) must
 * point at one that exists.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The documents cited by section, as code names them. */
const CITED_DOCS = ['docs/architecture.md', 'docs/realtime-protocol.md'] as const;

/** Folders that hold no hand-written text (built output, dependencies, data, benchmark output). */
const SKIPPED_FOLDERS = new Set([
  'node_modules',
  'dist',
  '.git',
  '.chorus',
  '.tmp',
  'coverage',
  'screenshots',
  'results',
]);
const SKIPPED_FILES = new Set(['package-lock.json']);
const TEXT_FILE = /\.(ts|js|mjs|cjs|md|sql|html|css|json|toml|ya?ml)$|^run$/;
/** This file: its examples cite missing sections on purpose. */
const THIS_FILE = path
  .relative(repositoryRoot, fileURLToPath(import.meta.url))
  .split(path.sep)
  .join('/');

/** The file names of the design briefs outside the repository, built so this file does not match itself. */
const BRIEF_NAMES = ['ARCHITECTURE', 'REALTIME_PROTOCOL'];
/** `<BRIEF>.md`, or a bare `<BRIEF> §3` as older comments cited it. */
const BRIEF_CITATION = new RegExp(`\\b(?:${BRIEF_NAMES.join('|')})(?:\\.md\\b|[ \\t\\n*]*§)`, 'g');

interface Violation {
  file: string;
  line: number;
  problem: string;
}

/** Every text file of the repository, relative to its root, with `/` separators. */
async function repositoryFiles(folder = ''): Promise<string[]> {
  const entries = await readdir(path.join(repositoryRoot, folder), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) files.push(...(await repositoryFiles(relative)));
    } else if (entry.isFile() && TEXT_FILE.test(entry.name) && !SKIPPED_FILES.has(entry.name)) {
      files.push(relative);
    }
  }
  return files;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * The section numbers of a Markdown document: headings that start with a number
 * (`## 3. The room protocol`, `### 4.5 REST endpoints`).
 * @example sectionNumbers('## 3. Room\n### 3.1 Topic') // Set { '3', '3.1' }
 */
function sectionNumbers(markdown: string): Set<string> {
  const numbers = new Set<string>();
  for (const match of markdown.matchAll(/^#{2,6}[ \t]+(\d+(?:\.\d+)*)\.?[ \t]/gm))
    numbers.add(match[1]!);
  return numbers;
}

/**
 * The sections `text` cites of each doc, with where: `docs/architecture.md §4–§5`,
 * `docs/architecture.md §1, §7` and `realtime-protocol.md §4.5` each cite every number written.
 */
function sectionCitations(text: string): Array<{ doc: string; section: string; index: number }> {
  const citations: Array<{ doc: string; section: string; index: number }> = [];
  for (const doc of CITED_DOCS) {
    const name = path.posix.basename(doc).replace('.', '\\.');
    const pattern = new RegExp(
      `(?:docs/)?${name}((?:[ \\t,]*(?:and[ \\t]+)?§\\d+(?:\\.\\d+)*(?:[ \\t]*[–-][ \\t]*§?\\d+(?:\\.\\d+)*)?)+)`,
      'g',
    );
    for (const match of text.matchAll(pattern)) {
      for (const section of match[1]!.matchAll(/(\d+(?:\.\d+)*)/g))
        citations.push({ doc, section: section[1]!, index: match.index });
    }
  }
  return citations;
}

/**
 * The anchors GitHub gives a Markdown document's headings: lower case, punctuation removed,
 * spaces made hyphens, a repeated heading suffixed `-1`, `-2`….
 * @example headingAnchors('## 1. Two deployments, one code path') // Set { '1-two-deployments-one-code-path' }
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*$/gm)) {
    const slug = match[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Citations in `text` of sections that `sections` (by doc) lacks. */
function staleCitations(
  file: string,
  text: string,
  sections: ReadonlyMap<string, Set<string>>,
): Violation[] {
  return sectionCitations(text)
    .filter(({ doc, section }) => !sections.get(doc)?.has(section))
    .map(({ doc, section, index }) => ({
      file,
      line: lineOf(text, index),
      problem: `cites ${doc} §${section}, which has no section ${section}`,
    }));
}

/**
 * The text of section `number` of a Markdown document: from its heading to the next heading of the
 * same or a higher level; the whole document when `number` is undefined, null when there is no
 * such section.
 */
function sectionText(markdown: string, number: string | undefined): string | null {
  if (number === undefined) return markdown;
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) =>
    new RegExp(`^#{2,6}[ \\t]+${number.replace(/\./g, '\\.')}\\.?[ \\t]`).test(line),
  );
  if (start === -1) return null;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex(
    (line, index) => index > start && /^#+[ \t]/.test(line) && /^#+/.exec(line)![0].length <= level,
  );
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** `docs/decisions.md, "Persistence"`, `docs/architecture.md §6, "Limits everywhere"`: a doc, maybe a section, a phrase. */
const QUOTED_CITATION =
  /(?:docs\/)?(architecture|realtime-protocol|decisions)\.md(?:[ \t]*§(\d+(?:\.\d+)*))?,[ \t]*"([^"\n]+)"/g;

/** Citations in `text` that quote a phrase the cited doc (or section) does not contain. */
function misquotedCitations(
  file: string,
  text: string,
  docs: ReadonlyMap<string, string>,
): Violation[] {
  const violations: Violation[] = [];
  for (const match of text.matchAll(QUOTED_CITATION)) {
    const [, name, section, phrase] = match;
    const doc = `docs/${name}.md`;
    const where = sectionText(docs.get(doc) ?? '', section);
    if (where !== null && where.toLowerCase().includes(phrase!.toLowerCase())) continue;
    const cited = section === undefined ? doc : `${doc} §${section}`;
    violations.push({
      file,
      line: lineOf(text, match.index),
      problem: `quotes "${phrase}" from ${cited}, which does not say it`,
    });
  }
  return violations;
}

async function readText(file: string): Promise<string> {
  return readFile(path.join(repositoryRoot, file), 'utf8');
}

/** The folders of the tree README's layout must name: the top level, and the first level of these. */
const LAID_OUT_FOLDERS = ['server', 'widget', 'test'];

/** The subfolders of `folder` (relative to the root) that hold the project's own files. */
async function subfolders(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(repositoryRoot, folder), { withFileTypes: true });
  return entries
    .filter(
      (entry) =>
        entry.isDirectory() &&
        !entry.name.startsWith('.') &&
        !SKIPPED_FOLDERS.has(entry.name) &&
        entry.name !== 'test-support',
    )
    .map((entry) => entry.name);
}

/** The fenced block of README.md's `## Layout` section. */
function layoutBlock(readme: string): string {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Layout\n'));
  const block = section ? /```\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
  if (block === undefined)
    throw new Error('README.md has no "## Layout" section with a fenced block');
  return block;
}

describe('citations of the design in the repository', () => {
  it('finds the numbered sections and the citations of them, ranges and lists included', () => {
    expect(
      sectionNumbers(
        '# Title\n## 3. The room protocol\n### 3.1 Topic\n### REST\n## 10. Operations\n',
      ),
    ).toEqual(new Set(['3', '3.1', '10']));
    const text =
      'see docs/architecture.md §4–§5 and docs/architecture.md §1, §7; docs/realtime-protocol.md §7.2.';
    expect(sectionCitations(text).map(({ doc, section }) => `${doc} ${section}`)).toEqual([
      'docs/architecture.md 4',
      'docs/architecture.md 5',
      'docs/architecture.md 1',
      'docs/architecture.md 7',
      'docs/realtime-protocol.md 7.2',
    ]);
  });

  it('reports a citation of a section that does not exist, with its line', () => {
    const sections = new Map([
      ['docs/architecture.md', new Set(['1', '2', '3'])],
      ['docs/realtime-protocol.md', new Set(['4', '4.5'])],
    ]);
    const text =
      '// fine: docs/architecture.md §3\n// stale: docs/architecture.md §12\n// stale: docs/realtime-protocol.md §4.6\n';
    expect(staleCitations('x.ts', text, sections)).toEqual([
      { file: 'x.ts', line: 2, problem: 'cites docs/architecture.md §12, which has no section 12' },
      {
        file: 'x.ts',
        line: 3,
        problem: 'cites docs/realtime-protocol.md §4.6, which has no section 4.6',
      },
    ]);
  });

  it('reports a quoted phrase that the cited doc or section does not contain', () => {
    const docs = new Map([
      [
        'docs/architecture.md',
        '## 2. Layers\nSeams grow by concept.\n## 3. The room protocol\nEvery payload is JSON.\n',
      ],
      ['docs/decisions.md', '## Persistence\n- **Who may stop what.** …\n'],
    ]);
    const text = [
      '(docs/architecture.md §3, "Every payload is JSON")',
      '(docs/architecture.md §2, "Every payload is JSON")',
      '(docs/decisions.md, "who may stop what")',
      '(docs/decisions.md, "Budgets")',
    ].join('\n');
    expect(misquotedCitations('x.ts', text, docs)).toEqual([
      {
        file: 'x.ts',
        line: 2,
        problem:
          'quotes "Every payload is JSON" from docs/architecture.md §2, which does not say it',
      },
      {
        file: 'x.ts',
        line: 4,
        problem: 'quotes "Budgets" from docs/decisions.md, which does not say it',
      },
    ]);
  });

  it('makes heading anchors as GitHub does', () => {
    const anchors = headingAnchors(
      '## 8. Limits and the messages to mimic\n## Room bus (`server/realtime/`)\n## Notes\n## Notes\n',
    );
    expect(anchors).toEqual(
      new Set([
        '8-limits-and-the-messages-to-mimic',
        'room-bus-serverrealtime',
        'notes',
        'notes-1',
      ]),
    );
  });

  it('no file names the design briefs that docs/architecture.md and docs/realtime-protocol.md replaced', async () => {
    const violations: Violation[] = [];
    for (const file of await repositoryFiles()) {
      const text = await readText(file);
      for (const match of text.matchAll(BRIEF_CITATION)) {
        violations.push({
          file,
          line: lineOf(text, match.index),
          problem: `cites "${match[0]}": cite docs/architecture.md or docs/realtime-protocol.md instead`,
        });
      }
    }
    expect(violations).toEqual([]);
  });

  it('every § cited of docs/architecture.md and docs/realtime-protocol.md is a section there', async () => {
    const sections = new Map(
      await Promise.all(
        CITED_DOCS.map(async (doc) => [doc, sectionNumbers(await readText(doc))] as const),
      ),
    );
    for (const doc of CITED_DOCS)
      expect(sections.get(doc)!.size, `${doc} has numbered sections`).toBeGreaterThan(0);
    const violations: Violation[] = [];
    for (const file of await repositoryFiles()) {
      if (file !== THIS_FILE)
        violations.push(...staleCitations(file, await readText(file), sections));
    }
    expect(violations).toEqual([]);
  });

  it('every phrase quoted from docs/architecture.md, docs/realtime-protocol.md or docs/decisions.md is in the section cited', async () => {
    const names = [...CITED_DOCS, 'docs/decisions.md'];
    const docs = new Map(
      await Promise.all(names.map(async (doc) => [doc, await readText(doc)] as const)),
    );
    const violations: Violation[] = [];
    for (const file of await repositoryFiles()) {
      if (file !== THIS_FILE)
        violations.push(...misquotedCitations(file, await readText(file), docs));
    }
    expect(violations).toEqual([]);
  });

  it('every Markdown link to a heading of another document points at a heading it has', async () => {
    const violations: Violation[] = [];
    const anchorsOf = new Map<string, Set<string> | null>();
    for (const file of (await repositoryFiles()).filter((name) => name.endsWith('.md'))) {
      const text = await readText(file);
      for (const match of text.matchAll(/\]\(([^)\s#]+\.md)#([^)\s]+)\)/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
        if (!anchorsOf.has(target))
          anchorsOf.set(target, await readText(target).then(headingAnchors, () => null));
        const anchors = anchorsOf.get(target);
        if (anchors === null)
          violations.push({
            file,
            line: lineOf(text, match.index),
            problem: `links to ${target}, which does not exist`,
          });
        else if (!anchors!.has(match[2]!))
          violations.push({
            file,
            line: lineOf(text, match.index),
            problem: `links to ${target}#${match[2]}, which has no such heading`,
          });
      }
    }
    expect(violations).toEqual([]);
  });

  it("README's layout names every top-level folder and every folder of server/, widget/ and test/", async () => {
    const layout = layoutBlock(await readText('README.md'));
    const named = (folder: string) =>
      new RegExp(`(^|[\\s(,;])${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'm').test(layout);
    const missing: string[] = [];
    for (const top of await subfolders('')) {
      if (!named(top)) missing.push(`${top}/`);
      if (!LAID_OUT_FOLDERS.includes(top)) continue;
      for (const inner of await subfolders(top))
        if (!named(inner)) missing.push(`${top}/${inner}/`);
    }
    expect(missing).toEqual([]);
  });
});
