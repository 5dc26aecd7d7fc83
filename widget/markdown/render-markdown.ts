/**
 * Markdown → Lit templates, for untrusted text from people and models (docs/architecture.md §6).
 *
 * There is no HTML string anywhere: every piece of text goes through a Lit text binding and every
 * URL through `sanitizeUrl`, so `<script>` in a message is shown as the characters `<script>`.
 * Elements carry `part` names (`md-link`, `md-code-block`, `md-table`, …) for `::part` theming;
 * `markdownStyles` styles them.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { BlockNode, InlineNode } from './markdown-ast.ts';
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
  /** The code blocks' copy button: its label, and what it says once it copied (default: Copy, Copied). */
  copyLabels?: readonly [copy: string, copied: string];
}

type Rendered = TemplateResult | string | typeof nothing | Rendered[];

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
export function renderMarkdown(
  source: string,
  options: RenderMarkdownOptions = {},
): TemplateResult {
  const text = typeof source === 'string' ? source : '';
  try {
    const { blocks, plain } = parseMarkdown(text, { streaming: options.streaming === true });
    if (plain === undefined)
      return html`<div class="md" part="md-root">${renderNodes(blocks, options, false)}</div>`;
  } catch {
    // A bug (or a throwing `linkLabel`) must not take the transcript down: show the text as is.
  }
  return html`<div class="md md--plain" part="md-root">${text}</div>`;
}

/** `inLink`: inside a link's text, where no other `<a>` may go. */
function renderNodes(
  nodes: readonly (BlockNode | InlineNode)[],
  options: RenderMarkdownOptions,
  inLink: boolean,
): Rendered[] {
  return nodes.map((node) => renderNode(node, options, inLink));
}

function renderNode(
  node: BlockNode | InlineNode,
  options: RenderMarkdownOptions,
  inLink: boolean,
): Rendered {
  const children =
    'children' in node
      ? renderNodes(node.children, options, inLink || node.type === 'link')
      : nothing;
  switch (node.type) {
    case 'text':
      return node.text;
    case 'break':
      return html`<br />`;
    case 'code':
      return html`<code part="md-code">${node.text}</code>`;
    case 'emphasis':
      return html`<em>${children}</em>`;
    case 'strong':
      return html`<strong>${children}</strong>`;
    case 'strikethrough':
      return html`<del>${children}</del>`;
    case 'paragraph':
      return html`<p part="md-paragraph">${children}</p>`;
    case 'heading':
      return html`<p role="heading" aria-level=${Math.min(node.level + 2, 6)} part="md-heading">${children}</p>`;
    case 'blockquote':
      return html`<blockquote part="md-blockquote">${children}</blockquote>`;
    case 'rule':
      return html`<hr part="md-rule" />`;
    case 'code-block':
      // The parser only keeps a plain token as language. tabindex: a horizontally scrolling block
      // must be reachable by keyboard. No whitespace inside <pre>.
      return html`<div class="md-code-block"><pre part="md-code-block" tabindex="0" data-language=${node.language || nothing}><code class=${node.language ? `language-${node.language}` : nothing}>${node.text}</code></pre>${renderCopyButton(node.text, options)}</div>`;
    case 'list': {
      const items = node.items.map((blocks, index) => {
        const checked = node.tasks?.[index];
        if (checked == null)
          return html`<li part="md-list-item">${renderNodes(blocks, options, inLink)}</li>`;
        // A task: a read-only checkbox, labelled by the item's first paragraph (the parser checked it is one).
        const [first, ...rest] = blocks as [BlockNode & { type: 'paragraph' }, ...BlockNode[]];
        return html`<li part="md-list-item" class="md-task"><label><input type="checkbox" disabled ?checked=${checked} />${renderNodes(first.children, options, inLink)}</label>${renderNodes(rest, options, inLink)}</li>`;
      });
      return node.ordered
        ? html`<ol part="md-list" start=${node.start}>${items}</ol>`
        : html`<ul part="md-list">${items}</ul>`;
    }
    case 'table': {
      // Alignment by class, not inline style, so it works under a CSP without 'unsafe-inline'.
      const cells = (row: InlineNode[][], header: boolean): TemplateResult[] =>
        row.map((cell, column) => {
          const alignment = node.alignments[column];
          const align = alignment ? `md-align-${alignment}` : nothing;
          const content = renderNodes(cell, options, inLink);
          return header
            ? html`<th scope="col" class=${align}>${content}</th>`
            : html`<td class=${align}>${content}</td>`;
        });
      return html`<div class="md-table-scroll" part="md-table-scroll" tabindex="0"><table part="md-table"><thead><tr>${cells(node.head, true)}</tr></thead><tbody>${node.rows.map((row) => html`<tr>${cells(row, false)}</tr>`)}</tbody></table></div>`;
    }
    case 'link': {
      const url = inLink ? null : sanitizeUrl(node.href);
      // A refused URL (javascript:, data:, relative, …) leaves just its text.
      if (!url) return children;
      const text = comparable(inlineText(node.children));
      const textIsUrl = [url.href, node.href, url.target].some(
        (candidate) => comparable(candidate) === text,
      );
      return renderAnchor(
        url,
        'md-link',
        html`${children}${textIsUrl ? nothing : renderTarget(url, options)}`,
      );
    }
    case 'image': {
      const url = sanitizeUrl(node.src);
      if (url && isAllowedImage(url, options.allowedImageHosts ?? [])) {
        return html`<img part="md-image" src=${url.href} alt=${node.alt} loading="lazy" decoding="async" referrerpolicy="no-referrer" />`;
      }
      // Not loaded: a placeholder with the alt text and where the image would come from. It links
      // to the image when that is a web URL, so the reader can choose to open it.
      const webUrl = url?.protocol === 'mailto:' ? null : url;
      const content = html`${node.alt}${webUrl ? renderTarget(webUrl, options) : nothing}`;
      return webUrl && !inLink
        ? renderAnchor(webUrl, 'md-image-placeholder', content)
        : html`<span class="md-image-placeholder" part="md-image-placeholder">${content}</span>`;
    }
  }
}

/** Copies a code block's text; the button says so for a moment ("Copied"). */
function renderCopyButton(
  text: string,
  { copyLabels = ['Copy', 'Copied'] }: RenderMarkdownOptions,
) {
  const copy = async (button: HTMLElement) => {
    const [idle, done] = button.children as unknown as [HTMLElement, HTMLElement];
    const show = (copied: boolean) => {
      idle.hidden = copied;
      done.hidden = !copied;
    };
    await navigator.clipboard.writeText(text);
    show(true);
    setTimeout(() => show(false), 1500);
  };
  return html`<button type="button" class="md-copy" part="md-copy-button" aria-live="polite" @click=${(event: Event) => void copy(event.currentTarget as HTMLElement).catch(() => {})}><span>${copyLabels[0]}</span><span hidden>${copyLabels[1]}</span></button>`;
}

function renderAnchor(url: SafeUrl, part: string, content: TemplateResult): TemplateResult {
  return html`<a class=${part} part=${part} href=${url.href} title=${url.href} target="_blank" rel="noopener noreferrer nofollow ugc">${content}</a>`;
}

/**
 * Where a link or placeholder goes, after its text. `dir="ltr"` makes it an isolate, so a
 * right-to-left override in the link text cannot reverse how the host reads.
 */
function renderTarget(url: SafeUrl, { linkLabel }: RenderMarkdownOptions): TemplateResult {
  return html` <span class="md-link-host" part="md-link-host" dir="ltr">${linkLabel ? String(linkLabel(url.href)) : url.target}</span>`;
}

/** Loose comparison of a link's text with its URL: `example.com/a` matches `https://www.example.com/a/`. */
function comparable(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/^(?:https?:\/\/|mailto:)?(?:www\.)?|\/$/g, '');
}
