import { css } from 'lit';

/** What only the loader's stand-in launcher shows: its busy state, and the note when the widget could not load. */
export const standInStyles = css`
  .launcher[aria-busy='true'] svg {
    animation: chorus-pulse 900ms ease-in-out infinite alternate;
  }

  @keyframes chorus-pulse {
    to {
      opacity: 0.35;
    }
  }

  /* Beside the launcher, with a retry. */
  .load-error {
    position: fixed;
    right: var(--_c-offset);
    bottom: calc(var(--_c-offset) + var(--_c-launcher-size) + var(--_c-space));
    z-index: var(--_c-z);
    display: flex;
    align-items: center;
    gap: var(--_c-space);
    max-width: min(320px, calc(100vw - 2 * var(--_c-offset)));
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border: 1px solid var(--_c-border);
    border-radius: var(--_c-radius);
    background: var(--_c-bg);
    color: var(--_c-text);
    box-shadow: var(--_c-shadow);
    font: 14px/1.4 var(--_c-font);
  }
`;
