import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/** A CSS colour we accept from the server for an author: `#rgb(a)`, `#rrggbb(aa)`, or a plain name. */
const SAFE_COLOR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20})$/;

/**
 * Sets CSS custom properties on an element through the CSSOM (`style.setProperty`), always,
 * including the first render. Lit's `styleMap` writes a `style="…"` attribute on first render,
 * which a page's CSP without `'unsafe-inline'` blocks; CSSOM writes are allowed.
 * @example html`<article ${cssProps({ '--chorus-author-color': safeColor(author.color) })}>`
 */
class CssPropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(partInfo: PartInfo) {
    super(partInfo);
    if (partInfo.type !== PartType.ELEMENT)
      throw new Error('cssProps() is an element directive: <div ${cssProps({...})}>');
  }

  render(_properties: Readonly<Record<`--${string}`, string | null | undefined>>): typeof noChange {
    return noChange;
  }

  override update(
    part: ElementPart,
    [properties]: [Readonly<Record<`--${string}`, string | null | undefined>>],
  ): typeof noChange {
    const { style } = part.element as HTMLElement;
    for (const name of this.previous) {
      if (properties[name as `--${string}`] == null) style.removeProperty(name);
    }
    this.previous = new Set();
    for (const [name, value] of Object.entries(properties)) {
      if (value == null) continue;
      style.setProperty(name, value);
      this.previous.add(name);
    }
    return noChange;
  }
}

export const cssProps = directive(CssPropsDirective);

/**
 * The colour if it is one we render, else undefined.
 * @example safeColor('#e11d48') // '#e11d48'; safeColor('red;background:url(x)') // undefined
 */
export function safeColor(color: string | null | undefined): string | undefined {
  return color && SAFE_COLOR.test(color) ? color : undefined;
}
