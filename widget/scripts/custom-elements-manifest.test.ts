/**
 * `custom-elements.json` (the Custom Elements Manifest editors and Storybook read) is the one
 * `npm run build:manifest` writes from the JSDoc of `ChorusChat` today, and it covers what pages
 * rely on, checked against the element itself, the event classes, the styles and widget/README.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '@custom-elements-manifest/analyzer/cli.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChorusChat as ChorusChatClass } from '../components/chat/chat.ts';
import * as events from '../events/index.ts';

/** The parts of the schema (https://github.com/webcomponents/custom-elements-manifest) read here. */
interface Manifest {
  schemaVersion: string;
  modules: { kind: string; path: string; declarations?: Declaration[] }[];
}
interface Declaration {
  kind: string;
  name: string;
  tagName?: string;
  customElement?: boolean;
  members?: {
    kind: 'field' | 'method';
    name: string;
    privacy?: string;
    static?: boolean;
    description?: string;
  }[];
  attributes?: { name: string; fieldName?: string; description?: string }[];
  events?: { name: string; type?: { text: string }; description?: string }[];
  cssParts?: { name: string; description?: string }[];
  cssProperties?: { name: string; description?: string }[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STALE =
  'custom-elements.json is not what the JSDoc of <chorus-chat> gives: run npm run build:manifest and commit the result';

/** The contract: events, methods. */
const EVENTS = [
  'chorus-ready',
  'chorus-message',
  'chorus-agent-start',
  'chorus-agent-end',
  'chorus-unread',
  'chorus-error',
];
const METHODS = ['open', 'close', 'toggle', 'send', 'setUser'];
/** Attributes the element reads without a Lit property: the native `nonce` (for Lit's `<style>` elements under a CSP). */
const NATIVE_ATTRIBUTES = ['nonce'];
/** Custom properties the widget sets itself (per author, from the server), not a page. */
const SET_BY_THE_WIDGET = ['--chorus-author-color'];

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

let generated: Manifest;
let committed: Manifest;
let chat: Declaration;
let observedAttributes: string[];
let ChorusChat: typeof ChorusChatClass;

beforeAll(async () => {
  // Lit's development build, which vitest resolves, says so once per process: not news here.
  ((globalThis as { litIssuedWarnings?: Set<string> }).litIssuedWarnings ??= new Set()).add(
    'dev-mode',
  );
  ({ ChorusChat } = await import('../components/chat/chat.ts'));
  observedAttributes = ChorusChat.observedAttributes; // finalises the class: fills `elementProperties`
  generated = (await cli({
    argv: ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet'],
    cwd: root,
    noWrite: true,
  })) as Manifest;
  committed = JSON.parse(
    await readFile(path.join(root, 'custom-elements.json'), 'utf8'),
  ) as Manifest;
  const found = committed.modules
    .flatMap((module) => module.declarations ?? [])
    .find((declaration) => declaration.tagName === 'chorus-chat');
  if (!found) throw new Error(`custom-elements.json declares no <chorus-chat>. ${STALE}`);
  chat = found;
});

it('custom-elements.json is what `npm run build:manifest` writes', () => {
  expect(committed, STALE).toEqual(generated);
});

describe('custom-elements.json documents <chorus-chat>', () => {
  it('as the only custom element, class ChorusChat', () => {
    const elements = committed.modules
      .flatMap((module) => module.declarations ?? [])
      .filter((declaration) => declaration.customElement);
    expect(elements.map(({ name, tagName }) => ({ name, tagName }))).toEqual([
      { name: 'ChorusChat', tagName: 'chorus-chat' },
    ]);
  });

  it('with every attribute the element observes, under its property, and no other', () => {
    const propertyOf = new Map<string, string>();
    for (const [property, options] of ChorusChat.elementProperties) {
      if (options.attribute === false || options.state) continue;
      propertyOf.set(
        typeof options.attribute === 'string' ? options.attribute : String(property).toLowerCase(),
        String(property),
      );
    }
    expect(sorted(propertyOf.keys())).toEqual(sorted(observedAttributes));
    const expected = Object.fromEntries([
      ...propertyOf,
      ...NATIVE_ATTRIBUTES.map((name) => [name, undefined]),
    ]);
    expect(
      Object.fromEntries(
        (chat.attributes ?? []).map((attribute) => [attribute.name, attribute.fieldName]),
      ),
    ).toStrictEqual(expected);
  });

  it('with every public property, and no internal state', () => {
    const fields = (chat.members ?? [])
      .filter((member) => member.kind === 'field' && !member.static)
      .map((member) => member.name);
    const declared = [...ChorusChat.elementProperties]
      .filter(([, options]) => !options.state)
      .map(([property]) => String(property));
    expect(sorted(fields)).toEqual(sorted(declared));
  });

  it('with the methods open, close, toggle, send and setUser', () => {
    const methods = (chat.members ?? [])
      .filter((member) => member.kind === 'method')
      .map((member) => member.name);
    expect(sorted(methods)).toEqual(sorted(METHODS));
    for (const name of METHODS)
      expect(typeof (ChorusChat.prototype as unknown as Record<string, unknown>)[name], name).toBe(
        'function',
      );
  });

  it('with every event class the widget exports, typed by its class and naming its detail', () => {
    const classes = Object.values(events as Record<string, unknown>).filter(isEventClass);
    expect(sorted(classes.map((eventClass) => eventClass.eventName))).toEqual(sorted(EVENTS));
    const documented = new Map((chat.events ?? []).map((event) => [event.name, event]));
    expect(sorted(documented.keys())).toEqual(sorted(EVENTS));
    for (const eventClass of classes) {
      const event = documented.get(eventClass.eventName);
      expect(event?.type?.text, eventClass.eventName).toBe(eventClass.name);
      expect(event?.description, eventClass.eventName).toContain(
        `detail: ${eventClass.name.replace(/Event$/, 'Detail')}`,
      );
    }
  });

  it('with a description for every attribute, member, event, part and custom property', () => {
    const items = [
      ...(chat.attributes ?? []),
      ...(chat.members ?? []),
      ...(chat.events ?? []),
      ...(chat.cssParts ?? []),
      ...(chat.cssProperties ?? []),
    ];
    expect(items.filter((item) => !item.description?.trim()).map((item) => item.name)).toEqual([]);
  });

  it('with every part the widget renders', async () => {
    const rendered = new Set<string>();
    for (const file of await sourceFiles(['widget/components', 'widget/markdown'])) {
      for (const [, names = ''] of (await readFile(file, 'utf8')).matchAll(/\bpart="([^"]*)"/g)) {
        for (const name of names.split(/\s+/))
          if (/^[a-z][a-z0-9_-]*$/.test(name)) rendered.add(name);
      }
    }
    expect(rendered.size).toBeGreaterThan(20);
    expect(sorted((chat.cssParts ?? []).map((part) => part.name))).toEqual(
      expect.arrayContaining(sorted(rendered)),
    );
  });

  it('with every --chorus-* custom property the styles read', async () => {
    const read = new Set<string>();
    for (const file of await sourceFiles(['widget'])) {
      if (!file.endsWith('.styles.ts')) continue;
      for (const [, name = ''] of (await readFile(file, 'utf8')).matchAll(
        /var\(\s*(--chorus-[a-z0-9-]+)/g,
      ))
        read.add(name);
    }
    for (const name of SET_BY_THE_WIDGET) read.delete(name);
    expect(sorted((chat.cssProperties ?? []).map((property) => property.name))).toEqual(
      sorted(read),
    );
  });
});

describe('custom-elements.json agrees with widget/README.md', () => {
  let readme: string;
  beforeAll(async () => {
    readme = await readFile(path.join(root, 'widget/README.md'), 'utf8');
  });

  it('on the attributes and properties (§The element)', () => {
    const lines = section(readme, 'The element').split('\n');
    const first = lines.findIndex((line) => line.startsWith('| attribute |'));
    expect(
      first,
      'widget/README.md §The element has no "| attribute | property |" table',
    ).toBeGreaterThan(-1);
    const end = lines.findIndex((line, index) => index > first && !line.startsWith('|'));
    const rows = lines
      .slice(first + 2, end)
      .map((line) => line.split('|').map((cell) => /^`([^`]+)`$/.exec(cell.trim())?.[1]));
    const attributes = Object.fromEntries(
      rows
        .filter(([, attribute]) => attribute)
        .map(([, attribute, property]) => [attribute, property]),
    );
    expect(
      Object.fromEntries(
        (chat.attributes ?? []).map((attribute) => [attribute.name, attribute.fieldName]),
      ),
    ).toStrictEqual(attributes);
    const fields = (chat.members ?? [])
      .filter((member) => member.kind === 'field' && !member.static)
      .map((member) => member.name);
    expect(sorted(fields)).toEqual(
      sorted(rows.map(([, , property]) => property).filter((property) => property !== undefined)),
    );
  });

  it('on the events and methods', () => {
    const element = section(readme, 'The element');
    for (const name of EVENTS) expect(element).toContain(`| \`${name}\` |`);
    for (const name of METHODS) expect(element).toContain(`\`${name}(`);
  });

  it('on the custom properties (§Theming)', () => {
    const documented = [...section(readme, 'Theming').matchAll(/`(--chorus-[a-z0-9-]+)`/g)].map(
      ([, name = '']) => name,
    );
    expect(sorted((chat.cssProperties ?? []).map((property) => property.name))).toEqual(
      sorted(documented),
    );
  });

  it('on the parts (§Theming, `md-*` standing for the Markdown parts)', () => {
    const theming = section(readme, 'Theming');
    const start = theming.indexOf('\nParts: ');
    expect(start, 'widget/README.md §Theming has no "Parts: …" paragraph').toBeGreaterThan(-1);
    const paragraph = theming.slice(start, theming.indexOf('\n\n', start + 1));
    const documented = [...paragraph.matchAll(/`([a-z][a-z0-9_*-]*)`/g)].map(
      ([, name = '']) => name,
    );
    expect(documented).toContain('md-*');
    const parts = (chat.cssParts ?? []).map((part) => part.name);
    expect(sorted(parts.filter((name) => !name.startsWith('md-')))).toEqual(
      sorted(documented.filter((name) => name !== 'md-*')),
    );
    expect(parts.filter((name) => name.startsWith('md-')).length).toBeGreaterThan(0);
  });
});

/** An exported event class: `class ChorusReadyEvent extends Event { static readonly eventName = 'chorus-ready' }`. */
function isEventClass(value: unknown): value is { name: string; eventName: string } {
  return (
    typeof value === 'function' && typeof (value as { eventName?: unknown }).eventName === 'string'
  );
}

/** The text of a `## title` section of a Markdown file, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`widget/README.md has no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** The non-test `.ts` files under these folders (relative to the repository's root). */
async function sourceFiles(folders: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const folder of folders) {
    for (const entry of await readdir(path.join(root, folder), { recursive: true })) {
      if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts'))
        files.push(path.join(root, folder, entry));
    }
  }
  return files;
}
