import { css } from 'lit';

/*
 * The launcher button, shared by <chorus-chat> and the loader's stand-in for it (widget/loader/,
 * `chorus.js`), so the button a visitor sees before the widget has loaded is the same one after.
 * The loader's build takes only Lit's css-tag (vite.config.ts): nothing here may need more.
 */

/**
 * The component boundary: `all: initial` stops every inherited property of the page
 * (text-transform, letter-spacing, font-style, white-space, cursor, word-spacing, text-shadow,
 * -webkit-text-fill-color, …) at the host; custom properties, direction and lang still come
 * through. First in `styles`, so the theme's `color-scheme` and the display below win over it.
 */
export const hostResetStyles = css`
  :host {
    all: initial;
  }
`;

export const launcherStyles = css`
  .launcher {
    position: fixed;
    right: var(--_c-offset);
    bottom: var(--_c-offset);
    z-index: var(--_c-z);
    display: grid;
    place-items: center;
    width: var(--_c-launcher-size);
    height: var(--_c-launcher-size);
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: var(--_c-accent);
    color: var(--_c-accent-text);
    box-shadow: var(--_c-shadow);
    font-size: calc(var(--_c-launcher-size) / 2.2);
    transition: transform 120ms ease;
  }

  .launcher:hover {
    transform: scale(1.05);
  }

  .launcher:focus-visible {
    outline-offset: 3px;
  }

  .badge {
    position: absolute;
    top: -4px;
    right: -4px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: var(--_c-danger);
    color: var(--_c-danger-text);
    font: 700 12px/22px var(--_c-font);
    text-align: center;
  }
`;
