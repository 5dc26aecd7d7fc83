import { css } from 'lit';

export const conversationListStyles = css`
  :host {
    display: block;
    min-height: 0;
    overflow-y: auto;
  }

  .list {
    margin: 0;
    padding: 0;
    list-style: none;
  }

  .row {
    display: grid;
    gap: 2px;
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-bottom: 1px solid var(--_c-border);
    border-left: 3px solid transparent;
    cursor: pointer;
  }

  .row:hover {
    background: var(--_c-surface);
  }

  .row:focus-visible {
    outline-offset: -3px;
  }

  .row--selected {
    border-left-color: var(--_c-accent);
    background: var(--_c-surface-own);
  }

  .row--closed .name,
  .row--closed .preview {
    color: var(--_c-muted);
  }

  .line {
    display: flex;
    align-items: center;
    gap: var(--_c-space);
    min-width: 0;
  }

  .name {
    overflow: hidden;
    font-weight: 600;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .row--unread .name {
    font-weight: 700;
  }

  .status {
    flex: none;
    padding: 0 6px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
    color: var(--_c-muted);
    font-size: 0.75em;
  }

  .status--waiting {
    border-color: var(--_c-danger);
    background: var(--_c-danger);
    color: var(--_c-danger-text);
    font-weight: 600;
  }

  .status--human {
    border-color: var(--_c-accent);
    color: var(--_c-text);
  }

  .unread {
    display: inline-grid;
    flex: none;
    place-items: center;
    min-width: 20px;
    height: 20px;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_c-accent);
    color: var(--_c-accent-text);
    font-size: 0.75em;
    font-weight: 700;
  }

  .time {
    flex: none;
    margin-left: auto;
    color: var(--_c-muted);
    font-size: 0.8em;
  }

  .preview {
    overflow: hidden;
    color: var(--_c-muted);
    font-size: 0.9em;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .preview--streaming::after {
    content: ' ▍';
  }

  .empty {
    margin: 0;
    padding: calc(var(--_c-space) * 3) calc(var(--_c-space) * 2);
    color: var(--_c-muted);
  }

  .more {
    display: flex;
    justify-content: center;
    padding: var(--_c-space);
  }
`;
