import { css } from 'lit';

export const composerStyles = css`
  :host {
    display: block;
  }

  .composer {
    position: relative;
    padding: var(--_c-space) calc(var(--_c-space) * 1.5) calc(var(--_c-space) * 1.5);
    border-top: 1px solid var(--_c-border);
  }

  .notice:has(p) {
    padding: var(--_c-space) calc(var(--_c-space) * 1.5) 0;
    color: var(--_c-muted);
    font-size: 0.85em;
  }

  .notice p {
    margin: 0;
  }

  .handoff {
    margin: var(--_c-space) calc(var(--_c-space) * 1.5) 0;
  }

  textarea:disabled,
  .send:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }

  /* Overlaid on the bottom of the transcript (which keeps room for it): nothing moves when it shows. */
  .stop-all {
    position: absolute;
    right: calc(var(--_c-space) * 1.5);
    bottom: calc(100% + var(--_c-space) / 2);
  }

  .stop-all .button {
    box-shadow: var(--_c-shadow);
  }

  .row {
    display: flex;
    align-items: flex-end;
    gap: var(--_c-space);
  }

  .field {
    position: relative;
    flex: 1;
    min-width: 0;
  }

  textarea {
    display: block;
    width: 100%;
    min-height: 40px;
    max-height: 9em;
    field-sizing: content;
    margin: 0;
    padding: calc(var(--_c-space) * 1.1) calc(var(--_c-space) * 1.5);
    resize: none;
    border: 1px solid var(--_c-border);
    border-radius: calc(var(--_c-radius) * 0.75);
    background: var(--_c-bg);
    color: var(--_c-text);
    font: inherit;
    line-height: 1.35;
  }

  textarea::placeholder {
    color: var(--_c-muted);
    opacity: 1;
  }

  textarea:focus-visible {
    outline: 2px solid var(--_c-focus);
    outline-offset: 0;
    border-color: transparent;
  }

  .send {
    display: grid;
    place-items: center;
    width: 40px;
    height: 40px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: var(--_c-accent);
    color: var(--_c-accent-text);
  }

  .mentions {
    position: absolute;
    right: 0;
    bottom: calc(100% + 4px);
    left: 0;
    z-index: 1;
    max-height: 14em;
    margin: 0;
    padding: 4px;
    overflow-y: auto;
    list-style: none;
    border: 1px solid var(--_c-border);
    border-radius: calc(var(--_c-radius) * 0.75);
    background: var(--_c-bg);
    box-shadow: var(--_c-shadow);
  }

  .option {
    display: flex;
    align-items: center;
    gap: var(--_c-space);
    padding: 6px var(--_c-space);
    border-radius: 6px;
    cursor: pointer;
  }

  .option[aria-selected='true'] {
    background: var(--_c-surface-own);
    outline: 2px solid var(--_c-focus);
    outline-offset: -2px;
  }

  .option .dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--chorus-author-color, var(--_c-accent));
  }

  .option .handle {
    font-weight: 650;
  }

  .option .name {
    color: var(--_c-muted);
    font-size: 0.85em;
  }

  .counter {
    margin: 4px 0 0;
    color: var(--_c-muted);
    font-size: 0.8em;
    text-align: right;
  }

  .counter--over {
    color: var(--_c-danger);
    font-weight: 600;
  }
`;
