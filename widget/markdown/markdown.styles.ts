import { css } from 'lit';

/**
 * Styles for the output of `renderMarkdown`; add them to the `static styles` of the component
 * that renders messages. Colours come from `--chorus-*` custom properties, which the widget's
 * light and dark themes set; the fallbacks derive from the text colour (`currentColor`) or use
 * `light-dark()`, so they keep AA contrast in both schemes when no theme sets them.
 *
 * @cssproperty --chorus-link-color - Link text (default: #0b57d0 light, #a8c7fa dark; both ≥ 4.5:1).
 * @cssproperty --chorus-code-background - Background of code spans and blocks.
 * @cssproperty --chorus-code-color - Text of code spans and blocks (default: the text colour).
 * @cssproperty --chorus-border-color - Table borders, rules, the blockquote bar, image placeholders.
 * @cssproperty --chorus-muted-color - Blockquote text (default: the text colour).
 * @cssproperty --chorus-focus-color - Focus ring of scrollable code blocks and tables.
 * @cssproperty --chorus-font-mono - Font of code.
 *
 * @example
 * class ChorusMessage extends LitElement {
 *   static styles = [markdownStyles, styles];
 *   render() { return renderMarkdown(this.text); }
 * }
 */
export const markdownStyles = css`
  .md {
    --_border: var(--chorus-border-color, color-mix(in srgb, currentColor 30%, transparent));
    --_code-background: var(--chorus-code-background, color-mix(in srgb, currentColor 9%, transparent));
    line-height: 1.5;
    overflow-wrap: anywhere;
  }
  .md--plain {
    white-space: pre-wrap;
  }
  /* Blocks are spaced by the margin of the one that follows; inside a list item only text that
     follows something else is, so items stay compact. */
  .md * {
    margin: 0;
  }
  .md > * + *,
  .md blockquote > * + *,
  .md li > * + p {
    margin-top: 0.6em;
  }

  /* Headings: # is aria-level 3, ## is 4, ### is 5 (render-markdown.ts). */
  .md [role='heading'] {
    font-weight: 600;
    line-height: 1.3;
  }
  .md > * + [role='heading'] {
    margin-top: 0.8em;
  }
  .md [aria-level='3'] {
    font-size: 1.25em;
  }
  .md [aria-level='4'] {
    font-size: 1.15em;
  }
  .md [aria-level='5'] {
    font-size: 1.05em;
  }

  .md a {
    color: var(--chorus-link-color, light-dark(#0b57d0, #a8c7fa));
    text-decoration: underline;
    text-underline-offset: 0.15em;
    /* Bidi controls in a link's text stay inside the link. */
    unicode-bidi: isolate;
  }
  .md :focus-visible {
    outline: 2px solid var(--chorus-focus-color, currentColor);
    outline-offset: 2px;
  }
  /* The link's target, shown when its text differs from its URL. inline-block drops the underline. */
  .md-link-host {
    display: inline-block;
    padding: 0 0.3em;
    border: 1px solid currentColor;
    border-radius: 0.4em;
    font-size: 0.8em;
    line-height: 1.3;
    text-decoration: none;
  }

  .md code,
  .md pre {
    font-family: var(--chorus-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    font-size: 0.9em;
    color: var(--chorus-code-color, inherit);
  }
  .md code {
    padding: 0.1em 0.3em;
    border-radius: 4px;
    background: var(--_code-background);
  }
  .md-code-block {
    position: relative;
  }
  .md-copy {
    position: absolute;
    top: 0.3em;
    right: 0.3em;
    padding: 0.1em 0.5em;
    border: 1px solid var(--_border);
    border-radius: 4px;
    background: var(--chorus-background, Canvas);
    color: inherit;
    font: inherit;
    font-size: 0.8em;
    cursor: pointer;
  }
  .md pre {
    padding: 0.75em 1em;
    padding-inline-end: 4.5em;
    border-radius: 6px;
    background: var(--_code-background);
    overflow-x: auto;
    tab-size: 4;
    white-space: pre;
  }
  .md pre code {
    padding: 0;
    background: none;
    font-size: inherit;
  }

  .md blockquote {
    padding-inline-start: 0.8em;
    border-inline-start: 3px solid var(--_border);
    color: var(--chorus-muted-color, inherit);
  }
  .md :is(ul, ol) {
    padding-inline-start: 1.5em;
  }
  .md hr {
    border: 0;
    border-top: 1px solid var(--_border);
  }

  /* A table wider than the message scrolls sideways; its words never break ("Pri ce"). */
  .md-table-scroll {
    max-width: 100%;
    overflow-x: auto;
  }
  .md table {
    border-collapse: collapse;
    overflow-wrap: normal;
    word-break: normal;
  }
  .md :is(th, td) {
    padding: 0.3em 0.6em;
    border: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
  }
  .md th {
    font-weight: 600;
    background: var(--_code-background);
  }
  .md .md-align-left {
    text-align: left;
  }
  .md .md-align-center {
    text-align: center;
  }
  .md .md-align-right {
    text-align: right;
  }

  .md-task {
    list-style: none;
  }
  .md-task input {
    margin: 0 0.4em 0 -1.3em;
    vertical-align: -0.1em;
  }

  .md img {
    max-width: 100%;
    height: auto;
    border-radius: 6px;
  }
  .md-image-placeholder {
    display: inline-block;
    padding: 0 0.4em;
    border: 1px dashed var(--_border);
    border-radius: 4px;
  }
  .md-image-placeholder::before {
    content: '\\1F5BC' / '';
    margin-inline-end: 0.3em;
  }
`;
