/**
 * A Vite plugin for the widget build: minifies the CSS inside Lit's css`…` literals of
 * `*.styles.ts` files with lightningcss (Vite's own CSS minifier). The JavaScript minifier leaves
 * template literals alone, so without this every comment, indent and long colour of the
 * stylesheets ships as written (measured: 0.45 KB of the gzipped `chorus.js`).
 *
 * `${…}` interpolations (one css result inside another, e.g. the dark palette in a media query)
 * stand in as placeholder declarations while lightningcss works, then are put back. A literal
 * that is not CSS lightningcss can read fails the build: a broken stylesheet never ships.
 *
 * The plugin also collapses the line breaks of the widget's html`…` literals
 * (minify-html-literals.ts), so that one registered plugin minifies every literal.
 */
import { transform } from 'lightningcss';
import type { Plugin } from 'vite';
import { minifyHtmlLiteralsIn } from './minify-html-literals.ts';

/** A css`…` literal; its only escape may be `\\` (a CSS escape such as `content: '\\1F5BC'`). */
const CSS_LITERAL = /\bcss`((?:[^`\\]|\\\\)*)`/g;
const INTERPOLATION = /\$\{([^{}`]+)\}/g;
const SLOT = /--chorus-slot-(\d+):0;?/g;

export function minifyCssLiterals(): Plugin {
  return {
    name: 'chorus:minify-css-literals',
    enforce: 'pre',
    transform(code, id) {
      if (id.endsWith('.styles.ts')) return { code: minifyCssLiteralsIn(code, id), map: null };
      // The widget's own templates lose their layout too (minify-html-literals.ts).
      const path = id.split('?')[0]!.replaceAll('\\', '/');
      if (path.includes('/widget/') && !path.includes('/node_modules/') && /\.ts$/.test(path))
        return { code: minifyHtmlLiteralsIn(code, id), map: null };
      return null;
    },
  };
}

/**
 * The source with every css`…` literal minified.
 * @example minifyCssLiteralsIn('css`\n  :host {\n    color: #ffffff;\n  }\n`') // 'css`:host{color:#fff}`'
 */
export function minifyCssLiteralsIn(source: string, filename = 'styles.ts'): string {
  return source.replace(CSS_LITERAL, (_, body: string) => `css\`${minifyCss(body, filename)}\``);
}

function minifyCss(body: string, filename: string): string {
  const slots: string[] = [];
  // The CSS is the literal's cooked value: `\\` in the source is one backslash.
  const text = body
    .replaceAll('\\\\', '\\')
    .replace(
      INTERPOLATION,
      (_, expression: string) => `--chorus-slot-${slots.push(expression) - 1}:0;`,
    );
  // A fragment of bare declarations (no rule of its own) is minified inside a throw-away rule.
  const bare = !/[{}]/.test(text);
  const code = bare ? `x{${text}}` : text;
  let minified: string;
  try {
    minified = transform({
      filename,
      code: Buffer.from(code),
      minify: true,
      errorRecovery: false,
    }).code.toString();
  } catch (error) {
    throw new Error(
      `${filename}: a css\`…\` literal is not valid CSS: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (bare) minified = minified.slice('x{'.length, -'}'.length);
  const escaped = minified.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
  const restored = escaped.replace(SLOT, (_, index: string) => `\${${slots[Number(index)]}};`);
  if (restored.includes('--chorus-slot-'))
    throw new Error(`${filename}: an interpolation was moved by the CSS minifier`);
  return restored;
}
