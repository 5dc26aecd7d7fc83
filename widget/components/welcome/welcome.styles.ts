import { css } from 'lit';

export const welcomeStyles = css`
  :host {
    display: block;
    margin: auto 0;
  }

  .empty {
    margin: 0;
    padding: calc(var(--_c-space) * 3) var(--_c-space);
    color: var(--_c-muted);
    text-align: center;
  }

  .starter {
    display: flex;
    width: fit-content;
    margin: var(--_c-space) auto 0;
    text-align: left;
  }
`;
