import { css } from 'lit';

export const conversationViewStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    background: var(--_c-bg);
  }

  .placeholder {
    margin: auto;
    padding: calc(var(--_c-space) * 3);
    color: var(--_c-muted);
    text-align: center;
  }

  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_c-space);
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-bottom: 1px solid var(--_c-border);
  }

  .back {
    display: none;
  }

  :host([narrow]) .back {
    display: inline-grid;
  }

  .who {
    display: grid;
    min-width: 0;
    margin-right: auto;
  }

  .title {
    margin: 0;
    overflow: hidden;
    font-size: 1.1em;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .title:focus {
    outline: none;
  }

  .status {
    color: var(--_c-muted);
    font-size: 0.85em;
  }

  .status--waiting {
    color: var(--_c-danger);
    font-weight: 600;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_c-space) / 2);
  }

  .button--primary {
    border-color: var(--_c-accent);
    background: var(--_c-accent);
    color: var(--_c-accent-text);
  }

  .button:disabled {
    cursor: default;
    opacity: 0.6;
  }

  .last-session {
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-bottom: 1px solid var(--_c-border);
    background: var(--_c-surface);
  }

  .last-session p {
    margin: var(--_c-space) 0 0;
    white-space: pre-line;
  }

  .problem {
    margin: 0;
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    background: var(--_c-surface);
    color: var(--_c-danger);
  }

  chorus-message-list {
    flex: 1;
    min-height: 0;
  }

  chorus-composer {
    display: block;
    border-top: 1px solid var(--_c-border);
  }
`;
