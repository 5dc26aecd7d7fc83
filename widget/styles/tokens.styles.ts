import { css } from 'lit';

/**
 * The theme of `<chorus-chat>`: every `--chorus-*` custom property a host may set, read into
 * private `--_c-*` variables with light and dark defaults (all text pairs at least 4.5:1). Set
 * them on `chorus-chat` or any ancestor (`:root` works); they cross the shadow DOM by inheritance.
 *
 * @cssproperty --chorus-font-family - Font of everything (default: the system UI font).
 * @cssproperty --chorus-font-size - Base size (default 15px).
 * @cssproperty --chorus-font-mono - Font of code.
 * @cssproperty --chorus-accent - Brand colour: launcher, send button, own messages' edge.
 * @cssproperty --chorus-accent-text - Text and icons on the accent colour.
 * @cssproperty --chorus-background - The panel.
 * @cssproperty --chorus-surface - Messages of others, menus.
 * @cssproperty --chorus-surface-own - Your messages.
 * @cssproperty --chorus-text-color - Text.
 * @cssproperty --chorus-muted-color - Secondary text (times, badges, notices).
 * @cssproperty --chorus-border-color - Borders and rules.
 * @cssproperty --chorus-focus-color - Focus rings.
 * @cssproperty --chorus-danger-color - Errors, the unread badge.
 * @cssproperty --chorus-radius - Corner radius of the panel and messages.
 * @cssproperty --chorus-spacing - The spacing unit (default 8px); gaps are multiples of it.
 * @cssproperty --chorus-z-index - Stacking of the launcher and its panel.
 * @cssproperty --chorus-shadow - Shadow of the launcher and its panel.
 * @cssproperty --chorus-launcher-size - Diameter of the launcher button.
 * @cssproperty --chorus-offset - Distance of the launcher from the viewport's corner.
 * @cssproperty --chorus-panel-width - Width of the launcher's panel.
 * @cssproperty --chorus-panel-height - Height of the launcher's panel (and of an inline chat without a height).
 */
/** The dark palette: for `theme="dark"`, and for `auto` when the page or the OS prefers dark. */
const darkTokens = css`
  color-scheme: dark;
  --_c-accent: var(--chorus-accent, #a5b4fc);
  --_c-accent-text: var(--chorus-accent-text, #111827);
  --_c-bg: var(--chorus-background, #15171c);
  --_c-surface: var(--chorus-surface, #22252c);
  --_c-surface-own: var(--chorus-surface-own, #2e335a);
  --_c-text: var(--chorus-text-color, #e8eaed);
  --_c-muted: var(--chorus-muted-color, #a3aab5);
  --_c-border: var(--chorus-border-color, #3a3f4a);
  --_c-focus: var(--chorus-focus-color, #8ab4f8);
  --_c-danger: var(--chorus-danger-color, #ff9b8f);
  --_c-danger-text: #111827;
  --_c-shadow: var(--chorus-shadow, 0 8px 28px rgb(0 0 0 / 0.5), 0 2px 6px rgb(0 0 0 / 0.4));
`;

export const tokenStyles = css`
  :host {
    color-scheme: light;
    --_c-font: var(--chorus-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    --_c-font-size: var(--chorus-font-size, 15px);
    --_c-accent: var(--chorus-accent, #4338ca);
    --_c-accent-text: var(--chorus-accent-text, #ffffff);
    --_c-bg: var(--chorus-background, #ffffff);
    --_c-surface: var(--chorus-surface, #f3f4f6);
    --_c-surface-own: var(--chorus-surface-own, #e0e7ff);
    --_c-text: var(--chorus-text-color, #1f2328);
    --_c-muted: var(--chorus-muted-color, #57606a);
    --_c-border: var(--chorus-border-color, #d0d7de);
    --_c-focus: var(--chorus-focus-color, #0b57d0);
    --_c-danger: var(--chorus-danger-color, #b42318);
    --_c-danger-text: #ffffff;
    --_c-radius: var(--chorus-radius, 12px);
    --_c-space: var(--chorus-spacing, 8px);
    --_c-z: var(--chorus-z-index, 2147483000);
    --_c-shadow: var(--chorus-shadow, 0 8px 28px rgb(0 0 0 / 0.18), 0 2px 6px rgb(0 0 0 / 0.12));
    --_c-launcher-size: var(--chorus-launcher-size, 56px);
    --_c-offset: var(--chorus-offset, 20px);
    --_c-panel-width: var(--chorus-panel-width, 380px);
    --_c-panel-height: var(--chorus-panel-height, 600px);
  }

  /* .dark: the launcher and panel of theme="auto" when the page (its color-scheme) or
     else the OS prefers dark; chat.ts decides (docs/architecture.md §11). */
  :host([theme='dark']),
  .dark {
    ${darkTokens}
  }
`;
