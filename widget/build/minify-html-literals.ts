/**
 * For the widget build: the line breaks and indents inside Lit's html`…` and svg`…` literals
 * collapsed, each run to one space. The JavaScript minifier leaves template literals as written,
 * so every template shipped its source layout (measured: 0.09 KB of the gzipped `chorus.js`).
 * One space where there were a newline and an indent renders the same: HTML collapses
 * whitespace, except inside `<pre>` and `<textarea>`, which the widget's templates never break
 * (a literal that does fails the build). The minify-css-literals plugin runs this on the
 * widget's own modules.
 */
import ts from 'typescript';

const TAGS = new Set(['html', 'svg']);
const BREAK = /[ \t]*\n\s*/g;
const BROKEN_PRE = /<(pre|textarea)\b[^>]*>[^<]*\n/;

/**
 * The module's source with its html`…`/svg`…` literals' line breaks collapsed.
 * @example minifyHtmlLiteralsIn('html`<p>\n    ${x}\n  </p>`') // 'html`<p> ${x} </p>`'
 */
export function minifyHtmlLiteralsIn(source: string, filename = 'module.ts'): string {
  const file = ts.createSourceFile(filename, source, ts.ScriptTarget.Latest, false);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isTaggedTemplateExpression(node) &&
      ts.isIdentifier(node.tag) &&
      TAGS.has(node.tag.text)
    ) {
      const template = node.template;
      const literals = ts.isNoSubstitutionTemplateLiteral(template)
        ? [template]
        : [template.head, ...template.templateSpans.map((span) => span.literal)];
      for (const literal of literals) {
        // Between the delimiters: ` or } before, ${ or ` after.
        const start = literal.getStart(file) + 1;
        const end =
          literal.end - (ts.isTemplateHead(literal) || ts.isTemplateMiddle(literal) ? 2 : 1);
        const raw = source.slice(start, end);
        if (BROKEN_PRE.test(raw))
          throw new Error(
            `${filename}: a line break inside <pre> or <textarea> in an html\`…\` literal`,
          );
        const text = raw.replace(BREAK, ' ');
        if (text !== raw) edits.push({ start, end, text });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let result = source;
  // Nested literals (a template inside an interpolation) are visited after their parent's: last first.
  for (const edit of edits.sort((a, b) => b.start - a.start))
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  return result;
}
