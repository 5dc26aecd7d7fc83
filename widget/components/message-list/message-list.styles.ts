import { css } from 'lit';

export const messageListStyles = css`
  :host {
    position: relative;
    display: flex;
    flex-direction: column;
    min-height: 0;
  }

  .log {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: calc(var(--_c-space) * 1.5);
    /* Room under the last message for the overlaid pill and Stop all (no shift when they show). */
    padding-bottom: calc(var(--_c-space) + 2.5em);
  }

  .log:focus-visible {
    outline-offset: -2px;
  }

  .history {
    display: flex;
    justify-content: center;
    margin-bottom: calc(var(--_c-space) * 1.5);
    color: var(--_c-muted);
    font-size: 0.8em;
  }


  .message {
    position: relative;
    margin: 0 0 calc(var(--_c-space) * 1.5);
    padding: var(--_c-space) calc(var(--_c-space) * 1.5);
    border-left: 3px solid var(--chorus-author-color, var(--_c-border));
    border-radius: var(--_c-radius);
    background: var(--_c-surface);
    overflow-wrap: anywhere;
  }

  .message--own {
    margin-left: calc(var(--_c-space) * 4);
    border-left-color: var(--_c-accent);
    background: var(--_c-surface-own);
  }

  .message--staff {
    border-left-color: var(--_c-accent);
    background: var(--_c-bg);
    box-shadow: inset 0 0 0 1px var(--_c-border);
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

  .day {
    margin: 0 0 var(--_c-space);
    color: var(--_c-muted);
    font-size: 0.75em;
    text-align: center;
  }

  .message--continued {
    margin-top: calc(var(--_c-space) * -1);
  }

  .message--continued .author,
  .message--continued .avatar,
  .message--continued .badge {
    display: none;
  }

  /* One line whatever it holds: names and badges shorten, controls keep their place. */
  .meta {
    display: flex;
    align-items: center;
    white-space: nowrap;
    gap: 2px var(--_c-space);
    margin-bottom: 2px;
    color: var(--_c-muted);
    font-size: 0.78em;
  }

  .author,
  .badge,
  .reason {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
  }

  /* The reason gives way first; a name keeps up to half the row, the "AI" badge all of it. */
  .author {
    flex-shrink: 0;
    max-width: 50%;
    color: var(--_c-text);
    font-size: 1.1em;
    font-weight: 650;
  }

  .avatar {
    flex: none;
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: var(--chorus-author-color, var(--_c-muted));
  }

  .badge {
    flex: none;
    padding: 0 6px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
    font-family: var(--chorus-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  }

  time {
    margin-left: auto;
  }

  .content {
    min-height: 1.2em;
  }

  .mini {
    flex: none;
    display: inline-flex;
    align-items: center;
    gap: 2px;
    min-height: 24px;
    padding: 0 6px;
    border: 1px solid var(--_c-border);
    border-radius: 999px;
    background: var(--_c-bg);
    color: var(--_c-text);
    font: inherit;
    cursor: pointer;
  }

  .mini:disabled {
    cursor: default;
    opacity: 0.5;
  }

  .mini svg {
    width: 12px;
    height: 12px;
  }

  .mini--danger {
    color: var(--_c-danger);
  }

  .versions {
    display: inline-flex;
    align-items: center;
    gap: 2px;
  }

  @media (hover: hover) {
    .message:not(:hover, :focus-within) .copy {
      opacity: 0;
    }
  }

  /* While replies stream, each keeps to about a third of the log, showing its latest lines. */
  .message--capped .content {
    display: flex;
    flex-direction: column;
    justify-content: flex-end;
    max-height: max(3lh, calc(var(--_chorus-log-height, 420px) / 3 - 4.75em));
    overflow: hidden;
    contain: layout paint;
  }

  .message--capped .body {
    flex: none;
  }

  .message--clipped .content {
    border-top: 1px dashed var(--_c-border);
  }

  .more {
    display: none;
  }

  .message--clipped .more,
  .more[aria-expanded='true'] {
    display: inline-flex;
  }

  .message--streaming .body::after {
    content: '';
    display: inline-block;
    width: 0.5em;
    height: 1em;
    margin-left: 2px;
    vertical-align: text-bottom;
    background: currentColor;
    animation: blink 1s steps(2, start) infinite;
  }

  @keyframes blink {
    to {
      visibility: hidden;
    }
  }

  details {
    margin: 2px 0 calc(var(--_c-space) / 2);
    font-size: 0.85em;
  }

  summary {
    width: fit-content;
    color: var(--_c-muted);
    cursor: pointer;
  }

  summary svg {
    vertical-align: middle;
  }

  .part-body {
    margin: calc(var(--_c-space) / 2) 0 0;
    padding: calc(var(--_c-space) / 2) var(--_c-space);
    border-left: 2px solid var(--_c-border);
    color: var(--_c-text);
    white-space: pre-wrap;
  }

  pre.part-body {
    max-height: 16em;
    overflow: auto;
    font-family: var(--chorus-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    font-size: 0.95em;
  }

  .tool--error summary,
  .status--error {
    color: var(--_c-danger);
  }

  .status {
    margin-top: calc(var(--_c-space) / 2);
    color: var(--_c-muted);
    font-size: 0.8em;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_c-space) / 2);
    margin-top: calc(var(--_c-space) / 2);
  }

  .pill {
    position: absolute;
    bottom: var(--_c-space);
    left: 50%;
    transform: translateX(-50%);
    border: 0;
    background: var(--_c-accent);
    color: var(--_c-accent-text);
    box-shadow: var(--_c-shadow);
  }
`;
