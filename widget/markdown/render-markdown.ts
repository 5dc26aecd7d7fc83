/**
 * Markdown → Lit templates, for untrusted text from people and models (ARCHITECTURE.md §6).
 *
 * There is no HTML string anywhere: every piece of text goes through a Lit text binding and every
 * URL through `sanitizeUrl`, so `<script>` in a message is shown as the characters `<script>`.
 * Elements carry `part` names (`md-link`, `md-code-block`, `md-table`, …) for `::part` theming;
 * `markdownStyles` styles them.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { BlockNode, InlineNode, TableAlignment } from './markdown-ast.ts';
import { parseMarkdown } from './parse-markdown.ts';
import { inlineText } from './parse-inline.ts';
import { isAllowedImage, sanitizeUrl, type SafeUrl } from './sanitize-url.ts';

export interface RenderMarkdownOptions {
  /**
   * Hosts whose images may load, matched exactly against the URL's host (`img.example.com`, or
   * `img.example.com:8443` for another port); https only. Default: none, so an image is shown as
   * a placeholder with its alt text and host, and nothing is requested.
   */
  allowedImageHosts?: readonly string[];
  /** The message is still growing: heal half-typed markup at its end (see `healStreamingEnd`). */
  streaming?: boolean;
  /**
   * The target shown after a link whose text is not its URL, and on image placeholders (default:
   * the host, or the e-mail address for mailto). Receives the sanitised href; its result is shown
   * as text. Use it to localise or reformat the hint.
   */
  linkLabel?: (href: string) => string;
}

type Rendered = TemplateResult | string | typeof nothing;

interface RenderContext {
  allowedImageHosts: readonly string[];
  linkLabel: (url: SafeUrl) => string;
  /** Inside a link's text: no nested `<a>`. */
  inLink: boolean;
}

const LINK_REL = 'noopener noreferrer nofollow ugc';

/**
 * Renders untrusted Markdown as a Lit template: paragraphs, headings (as `role="heading"`
 * paragraphs at levels 3–6, so a message never adds a page-level heading), emphasis, code,
 * fenced code blocks, lists, blockquotes, GFM tables, rules, links and images. Links open in a
 * new tab, only for http(s)/mailto URLs, and show their host when the text differs from the URL;
 * images load only from `allowedImageHosts`. Never throws; input over 100,000 characters is
 * shown as plain text.
 *
 * @example
 * import { LitElement } from 'lit';
 * import { markdownStyles } from './markdown.styles.ts';
 * import { renderMarkdown } from './render-markdown.ts';
 *
 * class ChorusMessageBody extends LitElement {
 *   static styles = [markdownStyles];
 *   text = 'See **[the docs](https://docs.example/)**';
 *   streaming = false;
 *   render() {
 *     return renderMarkdown(this.text, { streaming: this.streaming, allowedImageHosts: ['images.example.com'] });
 *   }
 * }
 */
export function renderMarkdown(source: string, options: RenderMarkdownOptions = {}): TemplateResult {
  const text = typeof source === 'string' ? source : '';
  try {
    const parsed = parseMarkdown(text, { streaming: options.streaming === true });
    if (parsed.plain !== undefined) return renderPlain(parsed.plain);
    const { linkLabel } = options;
    const context: RenderContext = {
      allowedImageHosts: options.allowedImageHosts ?? [],
      linkLabel: linkLabel ? (url) => String(linkLabel(url.href)) : (url) => url.target,
      inLink: false,
    };
    return html`<div class="md" part="md-root">${renderBlocks(parsed.blocks, context)}</div>`;
  } catch {
    // A bug (or a throwing `linkLabel`) must not take the transcript down: show the text as is.
    return renderPlain(text);
  }
}

function renderPlain(text: string): TemplateResult {
  return html`<div class="md md--plain" part="md-root">${text}</div>`;
}

function renderBlocks(blocks: readonly BlockNode[], context: RenderContext): Rendered[] {
  return blocks.map((block) => renderBlock(block, context));
}

function renderBlock(block: BlockNode, context: RenderContext): Rendered {
  switch (block.type) {
    case 'paragraph':
      return html`<p part="md-paragraph">${renderInlines(block.children, context)}</p>`;
    case 'heading':
      return html`<p
        role="heading"
        aria-level=${Math.min(block.level + 2, 6)}
        class="md-heading md-heading--${block.level}"
        part="md-heading"
      >${renderInlines(block.children, context)}</p>`;
    case 'code-block':
      return renderCodeBlock(block.text, block.language);
    case 'blockquote':
      return html`<blockquote part="md-blockquote">${renderBlocks(block.children, context)}</blockquote>`;
    case 'list':
      return renderList(block, context);
    case 'table':
      return renderTable(block, context);
    case 'rule':
      return html`<hr part="md-rule" />`;
  }
}

function renderCodeBlock(text: string, language: string): TemplateResult {
  // Only a plain token may become a class name (`language-ts`); the rest of the info string is dropped.
  const safeLanguage = /^[\w+#.-]{1,32}$/.test(language) ? language : '';
  const languageClass = safeLanguage ? `language-${safeLanguage}` : nothing;
  // tabindex: a horizontally scrolling block must be reachable by keyboard. No whitespace inside <pre>.
  return html`<pre class="md-code-block" part="md-code-block" tabindex="0" data-language=${safeLanguage || nothing}><code class=${languageClass}>${text}</code></pre>`;
}

function renderList(list: Extract<BlockNode, { type: 'list' }>, context: RenderContext): TemplateResult {
  const items = list.items.map((blocks) => {
    // A tight list shows its item paragraphs without the paragraph margins.
    const content = blocks.map((block) =>
      list.tight && block.type === 'paragraph' ? renderInlines(block.children, context) : renderBlock(block, context),
    );
    return html`<li part="md-list-item">${content}</li>`;
  });
  return list.ordered
    ? html`<ol part="md-list" start=${list.start === 1 ? nothing : list.start}>${items}</ol>`
    : html`<ul part="md-list">${items}</ul>`;
}

function alignmentClass(alignment: TableAlignment | undefined): string | typeof nothing {
  // Classes, not inline styles, so it works under a CSP without 'unsafe-inline'.
  return alignment ? `md-align-${alignment}` : nothing;
}

function renderTable(table: Extract<BlockNode, { type: 'table' }>, context: RenderContext): TemplateResult {
  const cell = (content: InlineNode[], column: number, header: boolean): TemplateResult => {
    const alignment = alignmentClass(table.alignments[column]);
    const inlines = renderInlines(content, context);
    return header ? html`<th scope="col" class=${alignment}>${inlines}</th>` : html`<td class=${alignment}>${inlines}</td>`;
  };
  return html`<div class="md-table-scroll" part="md-table-scroll" tabindex="0">
    <table part="md-table">
      <thead><tr>${table.head.map((content, column) => cell(content, column, true))}</tr></thead>
      <tbody>${table.rows.map((row) => html`<tr>${row.map((content, column) => cell(content, column, false))}</tr>`)}</tbody>
    </table>
  </div>`;
}

function renderInlines(nodes: readonly InlineNode[], context: RenderContext): Rendered[] {
  return nodes.map((node) => renderInline(node, context));
}

function renderInline(node: InlineNode, context: RenderContext): Rendered {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'code':
      return html`<code part="md-code">${node.text}</code>`;
    case 'break':
      return html`<br />`;
    case 'emphasis':
      return html`<em>${renderInlines(node.children, context)}</em>`;
    case 'strong':
      return html`<strong>${renderInlines(node.children, context)}</strong>`;
    case 'strikethrough':
      return html`<del>${renderInlines(node.children, context)}</del>`;
    case 'link':
      return renderLink(node.href, node.children, context);
    case 'image':
      return renderImage(node.src, node.alt, context);
  }
}

/** Loose comparison of a link's text with its URL: `example.com/a` matches `https://www.example.com/a/`. */
function comparable(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/^(?:https?:\/\/|mailto:)/, '')
    .replace(/^www\./, '')
    .replace(/\/$/, '');
}

/**
 * Where a link or placeholder goes, after its text. `dir="ltr"` makes it an isolate, so a
 * right-to-left override in the link text cannot reverse how the host reads.
 */
function renderTarget(url: SafeUrl, context: RenderContext): TemplateResult {
  return html` <span class="md-link-host" part="md-link-host" dir="ltr">${context.linkLabel(url)}</span>`;
}

function renderLink(href: string, children: readonly InlineNode[], context: RenderContext): Rendered {
  const url = context.inLink ? null : sanitizeUrl(href);
  // A refused URL (javascript:, data:, relative, …) leaves just its text.
  if (!url) return html`${renderInlines(children, context)}`;
  const text = comparable(inlineText(children));
  const textIsUrl = text === comparable(url.href) || text === comparable(href) || text === comparable(url.target);
  const content = renderInlines(children, { ...context, inLink: true });
  const target = textIsUrl ? nothing : renderTarget(url, context);
  return html`<a part="md-link" href=${url.href} title=${url.href} target="_blank" rel=${LINK_REL}>${content}${target}</a>`;
}

function renderImage(src: string, alt: string, context: RenderContext): TemplateResult {
  const url = sanitizeUrl(src);
  if (url && isAllowedImage(url, context.allowedImageHosts)) {
    return html`<img part="md-image" src=${url.href} alt=${alt} loading="lazy" decoding="async" referrerpolicy="no-referrer" />`;
  }
  // Not loaded: a placeholder with the alt text and where the image would come from. It links to
  // the image when that is a web URL, so the reader can choose to open it.
  const webUrl = url && url.protocol !== 'mailto:' ? url : null;
  const content = html`<span class="md-image-placeholder__alt">${alt}</span>${webUrl ? renderTarget(webUrl, context) : nothing}`;
  return webUrl && !context.inLink
    ? html`<a class="md-image-placeholder" part="md-image-placeholder" href=${webUrl.href} title=${webUrl.href} target="_blank" rel=${LINK_REL}>${content}</a>`
    : html`<span class="md-image-placeholder" part="md-image-placeholder">${content}</span>`;
}
