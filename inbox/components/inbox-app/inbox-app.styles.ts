import { css } from 'lit';

export const inboxAppStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: 0;
    background: var(--_c-bg);
    color: var(--_c-text);
    font-family: var(--_c-font);
    font-size: var(--_c-font-size);
    line-height: 1.45;
  }

  h1,
  h2 {
    margin: 0;
  }

  .topbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_c-space) calc(var(--_c-space) * 1.5);
    padding: var(--_c-space) calc(var(--_c-space) * 2);
    border-bottom: 1px solid var(--_c-border);
  }

  .brand {
    font-size: 1.05em;
  }

  .room-picker {
    display: inline-flex;
    align-items: center;
    gap: var(--_c-space);
    color: var(--_c-muted);
    font-size: 0.9em;
  }

  select,
  input {
    min-height: 32px;
    padding: 4px var(--_c-space);
    border: 1px solid var(--_c-border);
    border-radius: 6px;
    background: var(--_c-bg);
    color: var(--_c-text);
    font: inherit;
  }

  .room {
    color: var(--_c-muted);
  }

  .live {
    font-size: 0.85em;
    color: var(--_c-muted);
  }

  .live--open::before {
    content: '● ';
    color: #137333;
  }

  .signed-in {
    margin-left: auto;
    color: var(--_c-muted);
    font-size: 0.9em;
  }

  .button--primary {
    border-color: var(--_c-accent);
    background: var(--_c-accent);
    color: var(--_c-accent-text);
  }

  .panes {
    display: grid;
    flex: 1;
    grid-template-columns: minmax(280px, 360px) 1fr;
    min-height: 0;
  }

  .pane {
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
  }

  .pane--list {
    border-right: 1px solid var(--_c-border);
  }

  .pane > * {
    flex: 1;
  }

  .pane > .problem {
    flex: none;
  }

  :host([narrow]) .panes {
    grid-template-columns: 1fr;
  }

  :host([narrow]) .panes--open .pane--list,
  :host([narrow]) .panes:not(.panes--open) .pane--conversation {
    display: none;
  }

  :host([narrow]) .signed-in,
  :host([narrow]) .live {
    display: none;
  }

  :host([narrow]) .topbar {
    flex-wrap: nowrap;
  }

  :host([narrow]) .topbar > .button {
    margin-left: auto;
  }

  .notice {
    margin: 0;
    padding: calc(var(--_c-space) * 3) calc(var(--_c-space) * 2);
    color: var(--_c-muted);
  }

  .problem {
    margin: 0;
    padding: var(--_c-space) calc(var(--_c-space) * 2);
    color: var(--_c-danger);
  }

  .banner {
    border-bottom: 1px solid var(--_c-border);
  }
`;
