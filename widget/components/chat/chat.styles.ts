import { css } from 'lit';

/**
 * Where the launcher's panel fills the screen and becomes a modal dialog: narrow screens, and
 * short ones (a phone in landscape). The `@media` of `.panel--launcher` below is the same query
 * (the styles take no interpolated selector); chat.ts matches it (docs/architecture.md §11).
 */
export const FULL_SCREEN_QUERY = '(max-width: 480px), (max-height: 480px)';

export const chatStyles = css`
  :host {
    display: block;
  }

  :host([mode='launcher']) {
    display: contents;
  }

  :host([hidden]) {
    display: none;
  }

  .panel {
    display: flex;
    flex-direction: column;
    min-height: 0;
    overflow: hidden;
    background: var(--_c-bg);
    color: var(--_c-text);
    font-family: var(--_c-font);
    font-size: var(--_c-font-size);
    line-height: 1.45;
    text-align: start;
  }

  .panel--inline {
    height: 100%;
    min-height: min(var(--_c-panel-height), 100%);
    border: 1px solid var(--_c-border);
    border-radius: var(--_c-radius);
  }

  :host([mode='inline']) {
    height: var(--chorus-height, var(--_c-panel-height));
  }

  /* A <dialog>: shown non-modal as a floating panel, modal when it fills the screen. */
  .panel--launcher {
    position: fixed;
    inset: auto var(--_c-offset) calc(var(--_c-offset) + var(--_c-launcher-size) + var(--_c-space) * 1.5) auto;
    z-index: var(--_c-z);
    width: min(var(--_c-panel-width), calc(100vw - 2 * var(--_c-offset)));
    height: min(var(--_c-panel-height), calc(100vh - var(--_c-launcher-size) - 3 * var(--_c-offset)));
    max-width: none;
    max-height: none;
    margin: 0;
    padding: 0;
    border: 1px solid var(--_c-border);
    border-radius: var(--_c-radius);
    box-shadow: var(--_c-shadow);
    animation: rise 160ms ease-out;
  }

  .panel__content {
    display: flex;
    flex: 1;
    flex-direction: column;
    min-height: 0;
  }

  .panel--launcher::backdrop {
    background: var(--_c-bg);
  }

  /* Follows the visual viewport (chat.ts sets --_c-vv-*), so the on-screen keyboard never hides the composer. */
  @media (max-width: 480px), (max-height: 480px) {
    .panel--launcher {
      inset: var(--_c-vv-top, 0) 0 auto 0;
      width: 100%;
      height: var(--_c-vv-height, 100%);
      border: 0;
      border-radius: 0;
    }
  }

  /* iOS zooms into a text field under 16px when it gets focus. */
  chorus-composer::part(input) {
    font-size: max(16px, 1em);
  }

  @keyframes rise {
    from {
      opacity: 0;
      transform: translateY(8px);
    }
  }

  chorus-message-list {
    flex: 1;
    min-height: 0;
  }

  .banner {
    display: flex;
    align-items: center;
    gap: var(--_c-space);
    padding: calc(var(--_c-space) * 0.75) calc(var(--_c-space) * 1.5);
    border-bottom: 1px solid var(--_c-border);
    background: var(--_c-surface);
    color: var(--_c-text);
    font-size: 0.875em;
  }

  .banner--error {
    color: var(--_c-danger);
  }

  .banner__text {
    flex: 1;
  }

  .typing {
    min-height: 1.6em;
    padding: 0 calc(var(--_c-space) * 1.5);
    color: var(--_c-muted);
    font-size: 0.8em;
    font-style: italic;
  }
`;
