import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { minifyCssLiterals } from './minify-css-literals.ts';
import { minifyHtmlLiteralsIn } from './minify-html-literals.ts';

/** The static strings of every html`…`/svg`…` literal of a module, in source order. */
function templateStrings(source: string): string[] {
  const file = ts.createSourceFile('m.ts', source, ts.ScriptTarget.Latest, true);
  const found: { at: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isTaggedTemplateExpression(node) &&
      ts.isIdentifier(node.tag) &&
      ['html', 'svg'].includes(node.tag.text)
    ) {
      const template = node.template;
      const literals = ts.isNoSubstitutionTemplateLiteral(template)
        ? [template]
        : [template.head, ...template.templateSpans.map((span) => span.literal)];
      for (const literal of literals)
        found.push({ at: literal.getStart(file), text: literal.rawText ?? '' });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.sort((a, b) => a.at - b.at).map((entry) => entry.text);
}

describe('minifyHtmlLiteralsIn', () => {
  it('collapses each line break and indent of html`…` literals to one space, nested ones too', () => {
    const source =
      'const a = html`<ul>\n    ${items.map((item) => html`<li>\n      ${item}\n    </li>`)}\n  </ul>`;\nconst b = `plain\n  text`;\nconst c = css`\n  a {}\n`;\n';
    expect(minifyHtmlLiteralsIn(source)).toBe(
      'const a = html`<ul> ${items.map((item) => html`<li> ${item} </li>`)} </ul>`;\nconst b = `plain\n  text`;\nconst c = css`\n  a {}\n`;\n',
    );
  });

  it('keeps spaces on one line as they are, and attribute lists readable as HTML', () => {
    expect(minifyHtmlLiteralsIn('html`<span>a</span> <span>b</span>`')).toBe(
      'html`<span>a</span> <span>b</span>`',
    );
    expect(
      minifyHtmlLiteralsIn('svg`<svg\n  viewBox="0 0 1 1"\n  aria-hidden="true"></svg>`'),
    ).toBe('svg`<svg viewBox="0 0 1 1" aria-hidden="true"></svg>`');
  });

  it('fails the build when a line break is inside <pre> or <textarea>, where it would show', () => {
    expect(() => minifyHtmlLiteralsIn('html`<pre>\n  code</pre>`', 'bad.ts')).toThrow(
      /bad\.ts: a line break inside <pre> or <textarea>/,
    );
  });

  it('changes only the layout of every widget template: same strings once whitespace is collapsed', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const files = (await readdir(root, { recursive: true }))
      .map(String)
      .filter(
        (file) =>
          file.endsWith('.ts') &&
          !file.endsWith('.d.ts') &&
          !file.includes('.test.') &&
          !file.includes('test-support'),
      );
    let templates = 0;
    for (const file of files) {
      const source = await readFile(path.join(root, file), 'utf8');
      const minified = minifyHtmlLiteralsIn(source, file);
      const before = templateStrings(source);
      const after = templateStrings(minified);
      expect(after, file).toEqual(before.map((text) => text.replace(/[ \t]*\n\s*/g, ' ')));
      for (const text of after) expect(text, file).not.toContain('\n');
      const output = ts.transpileModule(minified, { reportDiagnostics: true, fileName: file });
      expect(output.diagnostics ?? [], file).toEqual([]);
      templates += before.length;
    }
    expect(templates).toBeGreaterThan(40);
  });

  it('runs in the build on the widget’s own modules only', () => {
    const transform = minifyCssLiterals().transform as (
      code: string,
      id: string,
    ) => { code: string } | null;
    const code = 'html`<p>\n  x\n</p>`';
    expect(transform(code, '/app/widget/components/chat/chat.ts')?.code).toBe('html`<p> x </p>`');
    expect(transform(code, '/app/inbox/main.ts')).toBeNull();
    expect(transform(code, '/app/node_modules/lit/widget/x.ts')).toBeNull();
  });
});
