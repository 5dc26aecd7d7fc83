import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { minifyCssLiteralsIn } from './minify-css-literals.ts';

describe('minifyCssLiteralsIn', () => {
  it('minifies the CSS of css`…` literals and leaves the rest of the module alone', () => {
    const source =
      "import { css } from 'lit';\n/** Kept. */\nexport const styles = css`\n  /* a comment */\n  :host {\n    color: #ffffff;\n    margin: 0px 0px 0px 0px;\n  }\n\n  .a :hover { color: red }\n`;\nconst text = `not ${1} css`;\n";
    expect(minifyCssLiteralsIn(source)).toBe(
      "import { css } from 'lit';\n/** Kept. */\nexport const styles = css`:host{color:#fff;margin:0}.a :hover{color:red}`;\nconst text = `not ${1} css`;\n",
    );
  });

  it('keeps interpolated css results in place, in rules and as bare declarations', () => {
    const source =
      "const dark = css`\n  color-scheme: dark;\n  --_c-bg: var(--chorus-background, #15171c);\n`;\nconst all = css`\n  :host([theme='dark']) {\n    ${dark}\n  }\n  @media (prefers-color-scheme: dark) {\n    :host(:not([theme])) {\n      ${dark}\n      color: red;\n    }\n  }\n`;";
    expect(minifyCssLiteralsIn(source)).toBe(
      'const dark = css`color-scheme:dark;--_c-bg:var(--chorus-background,#15171c)`;\nconst all = css`:host([theme=dark]){${dark};}@media (prefers-color-scheme:dark){:host(:not([theme])){${dark};color:red}}`;',
    );
  });

  it("keeps a CSS escape a CSS escape (the literal's `\\\\` is one backslash of CSS)", () => {
    const minified = minifyCssLiteralsIn("css`.image::before { content: '\\\\1F5BC' / ''; }`");
    const cssText = (source: string) =>
      new Function('css', `return ${source}`)(
        (strings: TemplateStringsArray) => strings[0],
      ) as string;
    expect(cssText(minified)).toMatch(
      /^\.image:before\{content:("\\1F5BC"|"\u{1F5BC}") ?\/ ?""\}$/u,
    );
  });

  it('fails the build, naming the file, when a literal is not CSS', () => {
    expect(() => minifyCssLiteralsIn('css`:host { colr red; }`', 'broken.styles.ts')).toThrow(
      /broken\.styles\.ts: a css`…` literal is not valid CSS/,
    );
  });

  it('handles every stylesheet of the widget, keeping each rule and interpolation', async () => {
    const files = (await readdir('widget', { recursive: true }))
      .filter((file) => file.endsWith('.styles.ts'))
      .map((file) => path.join('widget', file));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      const minified = minifyCssLiteralsIn(source, file);
      expect(minified.length, file).toBeLessThan(source.length);
      const interpolations = (text: string) => text.match(/\$\{[^}]+\}/g) ?? [];
      expect(interpolations(minified), file).toEqual(interpolations(source));
      // Every class selector of the source survives (none is dropped or renamed).
      const classes = (text: string) => {
        const stylesheets = [...text.matchAll(/css`([^`]*)`/g)]
          .map((match) => match[1]!.replace(/\/\*[\s\S]*?\*\//g, ''))
          .join('\n');
        return new Set(stylesheets.match(/\.[a-z][\w-]*(?=[\s,:{[.)])/g));
      };
      expect(classes(minified), file).toEqual(classes(source));
    }
  });
});
