import { css } from 'lit';

/** What every Chorus component shares: box model, buttons, focus ring, hidden text, reduced motion. */
export const sharedStyles = css`
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  [hidden] {
    display: none !important;
  }

  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }

  :focus-visible {
    outline: 2px solid var(--_c-focus);
    outline-offset: 2px;
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }

  .button {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--_c-space) / 2);
    min-height: 28px;
    padding: 2px calc(var(--_c-space) * 1.25);
    border: 1px solid var(--_c-border);
    border-radius: 999px;
    background: var(--_c-bg);
    color: var(--_c-text);
    font-size: 0.85em;
    line-height: 1.2;
  }

  .button:hover {
    border-color: var(--_c-muted);
  }

  .button--danger {
    color: var(--_c-danger);
    border-color: currentColor;
  }

  .icon-button {
    display: inline-grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: var(--_c-muted);
  }

  .icon-button:hover {
    background: var(--_c-surface);
    color: var(--_c-text);
  }

  svg {
    width: 1.25em;
    height: 1.25em;
    flex: none;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }

  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0.01ms !important;
      scroll-behavior: auto !important;
    }
  }
`;
