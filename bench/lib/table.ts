/** A cell: numbers are right-aligned, everything else left-aligned. */
export type Cell = string | number;

/**
 * Formats rows as an aligned plain-text table, or as a Markdown table.
 *
 * @example
 * console.log(formatTable(['phase', 'p99 ms'], [['3 x 25/s', 4.1]]));
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  style: 'text' | 'markdown' = 'text',
): string {
  const text = rows.map((row) => row.map((cell) => String(cell)));
  const numeric = headers.map(
    (_, column) =>
      rows.some((row) => typeof row[column] === 'number') &&
      rows.every(
        (row) => typeof row[column] === 'number' || row[column] === '–' || row[column] === '',
      ),
  );
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...text.map((row) => (row[column] ?? '').length)),
  );
  const pad = (value: string, column: number) =>
    numeric[column] ? value.padStart(widths[column]!) : value.padEnd(widths[column]!);
  const line = (cells: readonly string[]) => cells.map((cell, column) => pad(cell, column));
  if (style === 'markdown') {
    const rule = widths.map((width, column) =>
      numeric[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
    );
    return [line(headers), rule, ...text.map(line)]
      .map((cells) => `| ${cells.join(' | ')} |`)
      .join('\n');
  }
  const rule = widths.map((width) => '-'.repeat(width));
  return [line(headers), rule, ...text.map(line)].map((cells) => cells.join('  ')).join('\n');
}

/** Rounds for display: 3 significant digits below 100, integers above. */
export function round(value: number): number | string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}
