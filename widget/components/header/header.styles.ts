import { css } from 'lit';

export const headerStyles = css`
  :host {
    display: block;
  }

  .header {
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-bottom: 1px solid var(--_c-border);
  }

  .title-row {
    display: flex;
    align-items: center;
    gap: var(--_c-space);
  }

  .title {
    flex: 1;
    margin: 0;
    overflow: hidden;
    font-size: 1.05em;
    font-weight: 650;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  /* One line whatever the agents are doing: "writing…" shortens instead of wrapping. */
  .presence {
    display: flex;
    overflow: hidden;
    white-space: nowrap;
    gap: calc(var(--_c-space) / 2) var(--_c-space);
    margin: calc(var(--_c-space) / 2) 0 0;
    padding: 0;
    list-style: none;
    color: var(--_c-muted);
    font-size: 0.8em;
  }

  .presence li {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    min-width: 0;
  }

  .presence li > :not(.dot) {
    overflow: hidden;
    text-overflow: ellipsis;
  }

  .agent .name,
  .person .name {
    color: var(--_c-text);
  }

  .dot {
    flex: none;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--chorus-author-color, var(--_c-accent));
  }

  /* Idle: a ring of the full colour (a faded dot fell under 3:1 in dark mode). */
  .agent--idle .dot {
    border: 2px solid var(--chorus-author-color, var(--_c-accent));
    background: transparent;
  }

  .agent--unknown .dot,
  .person--unknown .dot {
    background: none;
    box-shadow: inset 0 0 0 1px var(--_c-muted);
  }

  .agent--thinking .dot,
  .agent--streaming .dot {
    animation: pulse 1.2s ease-in-out infinite;
  }

  .staff {
    padding: 0 5px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
  }

  .person .dot {
    background: var(--_c-muted);
  }

  @keyframes pulse {
    50% {
      transform: scale(1.5);
    }
  }
`;
