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

/** The panels an agent's colour sits on, per theme (docs/architecture.md §11): background and surface. */
const PANELS: Record<'light' | 'dark', number[][]> = {
  light: [
    [255, 255, 255],
    [243, 244, 246],
  ],
  dark: [
    [21, 23, 28],
    [34, 37, 44],
  ],
};

/**
 * The colour to render for an author, or undefined if it is not one we accept. A hex colour
 * becomes `light-dark(light, dark)`: each side mixed toward black (light theme) or white (dark
 * theme) until it is at least 4.5:1 on that theme's panel and surface, so it is legible as text
 * and as a dot. Named colours and colours with alpha pass as they are.
 * @example safeColor('#1d4ed8') // 'light-dark(#1d4ed8, #7e9ef0)'; safeColor('red;background:url(x)') // undefined
 */
export function safeColor(color: string | null | undefined): string | undefined {
  if (!color || !SAFE_COLOR.test(color)) return undefined;
  if (color[0] !== '#' || color.length === 5 || color.length > 7) return color;
  const rgb = rgbOf(color);
  return `light-dark(${legible(rgb, 0, PANELS.light)}, ${legible(rgb, 255, PANELS.dark)})`;
}

/** `#rgb` or `#rrggbb` as [r, g, b] (0–255). */
function rgbOf(hex: string): number[] {
  const digits = hex.length === 4 ? hex.slice(1).replace(/\w/g, '$&$&') : hex.slice(1);
  return [0, 2, 4].map((index) => parseInt(digits.slice(index, index + 2), 16));
}

/** WCAG 2 relative luminance. */
function luminance(rgb: number[]): number {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2 contrast ratio of two colours. */
export function contrastRatio(a: number[], b: number[]): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

/** `rgb` mixed toward `target` (0 or 255) in 5% steps until it is 4.5:1 on every background. */
function legible(rgb: number[], target: number, backgrounds: number[][]): string {
  let mixed = rgb;
  for (let step = 1; backgrounds.some((bg) => contrastRatio(mixed, bg) < 4.5) && step <= 20; step++)
    mixed = rgb.map((channel) => Math.round(channel + (target - channel) * step * 0.05));
  return `#${mixed.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}
