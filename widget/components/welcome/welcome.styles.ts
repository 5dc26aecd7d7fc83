import { css } from 'lit';

export const welcomeStyles = css`
  :host {
    display: block;
    margin: auto 0;
    padding: calc(var(--_c-space) * 2) var(--_c-space);
  }

  .empty {
    margin: 0 0 calc(var(--_c-space) * 1.5);
    text-align: center;
    white-space: pre-line;
  }

  .last {
    margin: 0 auto calc(var(--_c-space) * 1.5);
    max-width: 28em;
    overflow: hidden;
    color: var(--_c-muted);
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .agents {
    display: grid;
    gap: var(--_c-space);
    margin: 0 auto;
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    max-width: 28em;
    border: 1px solid var(--_c-border);
    border-radius: var(--_c-radius);
    background: var(--_c-surface);
    list-style: none;
  }

  .agent {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0 6px;
  }

  .dot {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--chorus-author-color, var(--_c-accent));
  }

  .name {
    font-weight: 600;
  }

  .ai {
    padding: 0 6px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
    font-size: 0.75em;
    font-weight: 600;
  }

  .model,
  .description {
    color: var(--_c-muted);
    font-size: 0.85em;
  }

  .description {
    flex-basis: 100%;
    padding-left: 16px;
  }

  .starters {
    display: flex;
    flex-direction: column;
    align-items: center;
    gap: var(--_c-space);
    margin-top: calc(var(--_c-space) * 1.5);
  }

  .starter {
    text-align: left;
  }
`;
