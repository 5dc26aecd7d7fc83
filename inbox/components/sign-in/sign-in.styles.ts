import { css } from 'lit';

export const signInStyles = css`
  :host {
    display: grid;
    flex: 1;
  }

  .sign-in {
    display: grid;
    place-items: center;
    padding: calc(var(--_c-space) * 2);
  }

  .card {
    display: grid;
    gap: calc(var(--_c-space) * 1.5);
    width: min(100%, 420px);
    padding: calc(var(--_c-space) * 3);
    border: 1px solid var(--_c-border);
    border-radius: var(--_c-radius);
  }

  h1 {
    margin: 0;
    font-size: 1.3em;
  }

  label {
    display: grid;
    gap: 4px;
    font-weight: 600;
  }

  input {
    min-height: 36px;
    padding: 4px var(--_c-space);
    border: 1px solid var(--_c-border);
    border-radius: 6px;
    background: var(--_c-bg);
    color: var(--_c-text);
    font: inherit;
    font-weight: 400;
  }

  .help,
  .problem {
    margin: 0;
    color: var(--_c-muted);
  }

  .problem {
    color: var(--_c-danger);
  }

  .button {
    justify-self: start;
    min-height: 36px;
    border-color: var(--_c-accent);
    background: var(--_c-accent);
    color: var(--_c-accent-text);
    font-size: 1em;
  }
`;
