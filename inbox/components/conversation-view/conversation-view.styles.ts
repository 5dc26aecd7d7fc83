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

  .actions,
  .message-actions {
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

  .problem {
    margin: 0;
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    background: var(--_c-surface);
    color: var(--_c-danger);
  }

  .transcript {
    flex: 1;
    min-height: 0;
    margin: 0;
    padding: calc(var(--_c-space) * 1.5);
    overflow-y: auto;
  }

  .transcript:focus-visible {
    outline-offset: -2px;
  }

  .message {
    margin: 0 0 calc(var(--_c-space) * 1.5);
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-left: 3px solid var(--chorus-author-color, var(--_c-border));
    border-radius: var(--_c-radius);
    background: var(--_c-surface);
    overflow-wrap: anywhere;
  }

  .message--visitor {
    border-left-color: var(--_c-muted);
  }

  .message--staff {
    margin-left: calc(var(--_c-space) * 4);
    border-left-color: var(--_c-accent);
    background: var(--_c-surface-own);
  }

  .message--deleted .content {
    color: var(--_c-muted);
  }

  .message--system {
    border: 0;
    background: transparent;
    color: var(--_c-muted);
    font-size: 0.85em;
    text-align: center;
  }

  .meta {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 2px var(--_c-space);
    color: var(--_c-muted);
    font-size: 0.78em;
  }

  .author {
    color: var(--_c-text);
    font-size: 1.1em;
    font-weight: 650;
  }

  .badge {
    padding: 0 6px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
  }

  time {
    margin-left: auto;
  }

  .delete {
    width: 28px;
    height: 28px;
    align-self: center;
    font-size: 1.1em;
  }

  .note {
    color: var(--_c-muted);
    font-size: 0.85em;
  }

  .message-actions {
    margin-top: calc(var(--_c-space) / 2);
  }

  chorus-composer {
    display: block;
    border-top: 1px solid var(--_c-border);
  }
`;
