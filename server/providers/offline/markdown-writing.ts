/**
 * Writing well-formed Markdown for the offline personas: tables, lists and fenced code that the
 * widget's parser (widget/markdown/parse-blocks.ts) reads as blocks. Cell text is kept on one line
 * and its pipes escaped, so a quoted question never breaks a table.
 */

/**
 * A table with a header row.
 * @example
 * table(['Item', 'Figure'], [['Monthly', '€1,320']]);
 * // '| Item | Figure |\n| --- | --- |\n| Monthly | €1,320 |'
 */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replace(/\s+/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A bulleted (or, with `ordered`, numbered) list, one item a line.
 * @example
 * list(['one', 'two'], true); // '1. one\n2. two'
 */
export function list(items: readonly string[], ordered = false): string {
  return items
    .map((item, index) => `${ordered ? `${index + 1}.` : '-'} ${item.replace(/\s+/g, ' ')}`)
    .join('\n');
}

/** A fenced code block in `language`. */
export function codeBlock(language: string, code: string): string {
  return `\`\`\`${language}\n${code}\n\`\`\``;
}

/** `label` in bold, then `text`: a list item's usual shape. */
export function labelled(label: string, text: string): string {
  return `**${label}**: ${text}`;
}

/** The first letter in upper case. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Ends `text` with a full stop unless it already ends a sentence. */
export function sentence(text: string): string {
  return /[.!?…:]$/.test(text) ? text : `${text}.`;
}
