/**
 * A compact, HTML-like outline of a parsed document, for tests and debugging only (it is not
 * escaped and never reaches the page): `<p>a <strong>b</strong></p>` reads better in an
 * assertion than the node objects do.
 */
import type { BlockNode, InlineNode } from './markdown-ast.ts';

/**
 * @example
 * outlineBlocks(parseMarkdown('# Hi *you*').blocks); // '<h1>Hi <em>you</em></h1>'
 */
export function outlineBlocks(blocks: readonly BlockNode[]): string {
  return blocks.map(outlineBlock).join('');
}

/**
 * @example
 * outlineInlines(parseInline('a `b`')); // 'a <code>b</code>'
 */
export function outlineInlines(nodes: readonly InlineNode[]): string {
  return nodes.map(outlineInline).join('');
}

function outlineBlock(block: BlockNode): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${outlineInlines(block.children)}</p>`;
    case 'heading':
      return `<h${block.level}>${outlineInlines(block.children)}</h${block.level}>`;
    case 'code-block':
      return `<pre${block.language ? ` lang=${block.language}` : ''}${block.closed ? '' : ' open'}>${block.text}</pre>`;
    case 'blockquote':
      return `<blockquote>${outlineBlocks(block.children)}</blockquote>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      const start = block.ordered && block.start !== 1 ? ` start=${block.start}` : '';
      const task = (index: number) => {
        const checked = block.tasks?.[index];
        return checked == null ? '' : checked ? '[x]' : '[ ]';
      };
      const items = block.items
        .map((item, index) => `<li>${task(index)}${outlineBlocks(item)}</li>`)
        .join('');
      return `<${tag}${start}>${items}</${tag}>`;
    }
    case 'table': {
      const row = (cells: InlineNode[][], tag: string): string =>
        `<tr>${cells.map((cell) => `<${tag}>${outlineInlines(cell)}</${tag}>`).join('')}</tr>`;
      const align = block.alignments.map((alignment) => alignment ?? '-').join(',');
      return `<table align=${align}>${row(block.head, 'th')}${block.rows.map((cells) => row(cells, 'td')).join('')}</table>`;
    }
    case 'rule':
      return '<hr>';
  }
}

function outlineInline(node: InlineNode): string {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'code':
      return `<code>${node.text}</code>`;
    case 'break':
      return '<br>';
    case 'emphasis':
      return `<em>${outlineInlines(node.children)}</em>`;
    case 'strong':
      return `<strong>${outlineInlines(node.children)}</strong>`;
    case 'strikethrough':
      return `<del>${outlineInlines(node.children)}</del>`;
    case 'link':
      return `<a href="${node.href}">${outlineInlines(node.children)}</a>`;
    case 'image':
      return `<img src="${node.src}" alt="${node.alt}">`;
  }
}
